namespace OrleansCms.Ecus;

/// <summary>
/// What an agent tells the CMS about its ECU when it (re)connects. <see cref="AgentInstance"/> changes when the
/// agent process restarts: the programs the previous instance ran are gone, so the CMS restores them.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuRegistration")]
public sealed record EcuRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] long RamBytes,
    [property: Id(2)] int CpuCores,
    [property: Id(3)] bool BesideCmsSilo = false,
    [property: Id(4)] string? AgentInstance = null);
