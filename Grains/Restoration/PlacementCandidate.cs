namespace OrleansCms.Restoration;

/// <summary>An alive ECU as the CMS sees it now, offered to <see cref="PlacementPolicy"/> as a possible target.</summary>
/// <param name="Mac">The ECU's MAC address (compared case-insensitively; must be unique among the candidates).</param>
/// <param name="RamTotalBytes">Installed RAM, ≥ 0.</param>
/// <param name="RamUsedBytes">RAM in use, ≥ 0 (a value above the total just means nothing fits).</param>
/// <param name="CpuLoad">Load of all its cores, 0..1; a measured value outside that range is clamped, NaN or infinity is rejected.</param>
/// <param name="BesideCmsSilo">Whether it runs on the same machine as a CMS silo.</param>
/// <param name="DeclaredUtilization">Σ WCET/period of the programs it runs now, ≥ 0.</param>
public sealed record PlacementCandidate(
    string Mac,
    long RamTotalBytes,
    long RamUsedBytes,
    double CpuLoad,
    bool BesideCmsSilo,
    double DeclaredUtilization);
