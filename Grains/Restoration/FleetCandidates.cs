using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>The ECUs a restored program may go to, as <see cref="PlacementPolicy"/> weighs them.</summary>
public static class FleetCandidates
{
    /// <summary>
    /// Every alive, registered ECU whose agent is attached (only that agent can start a program), with its RAM as
    /// last measured (the registered RAM before its first heartbeat), its CPU load averaged since
    /// <paramref name="cpuSince"/>, and the declared utilization of its active programs.
    /// </summary>
    public static IReadOnlyList<PlacementCandidate> From(IEnumerable<EcuView> views, DateTimeOffset cpuSince) =>
        [.. views
            .Where(v => v.Status == EcuStatus.Alive && v.AgentAttached && v.Registration is not null)
            .Select(v => new PlacementCandidate(
                v.Mac,
                v.Metrics?.RamTotalBytes ?? v.Registration!.RamBytes,
                v.Metrics?.RamUsedBytes ?? 0,
                AverageCpuLoad(v, cpuSince),
                v.Registration!.BesideCmsSilo,
                v.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).Sum(p => p.Program.Utilization)))];

    /// <summary>The mean CPU load of the heartbeats since <paramref name="since"/>, or the latest one.</summary>
    private static double AverageCpuLoad(EcuView view, DateTimeOffset since)
    {
        var recent = view.Window.Where(s => s.At >= since).Select(s => Math.Clamp(s.Metrics.CpuLoad, 0, 1)).ToList();
        return recent.Count > 0 ? recent.Average() : Math.Clamp(view.Metrics?.CpuLoad ?? 0, 0, 1);
    }
}
