using OrleansCms.Api;
using OrleansCms.Ecus;
using OrleansCms.Programs;
using OrleansCms.Restoration;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The fleet at one moment, seen twice: by the CMS (ECU grains, their catalogues followed into logical programs,
/// unfinished restorations) and in reality (the sample-program processes that the live agents run, found in
/// /proc, and what each agent reports in its heartbeat). <see cref="Violations"/> lists every way the two
/// disagree with "each acknowledged program runs on exactly one live ECU"; empty means settled.
/// </summary>
public sealed class FleetAudit
{
    private FleetAudit(IReadOnlyList<ProgramSnapshot> programs, IReadOnlyDictionary<string, IReadOnlyList<int>> processes, IReadOnlyList<string> violations)
    {
        Programs = programs;
        Processes = processes;
        Violations = violations;
    }

    /// <summary>Every logical program (root key) the CMS knows.</summary>
    public IReadOnlyList<ProgramSnapshot> Programs { get; }

    /// <summary>Per live agent's MAC, the pids of the sample programs it runs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> Processes { get; }

    public IReadOnlyList<string> Violations { get; }

    /// <summary>
    /// Takes a snapshot. <paramref name="live"/> are the agents the test has not killed (one that has not registered
    /// yet counts as starting); <paramref name="acknowledged"/>
    /// the roots known to have an acknowledged checkpoint (such a program must run somewhere); <paramref name="macs"/>
    /// every ECU the test ever started, read besides the fleet registry's list.
    /// </summary>
    public static async Task<FleetAudit> TakeAsync(
        IGrainFactory grains, IReadOnlyCollection<AgentProcess> live, IReadOnlySet<string> acknowledged, IEnumerable<string> macs)
    {
        var violations = new List<string>();
        var known = (await grains.GetGrain<IFleetGrain>(0).ListKnownAsync()).Union(macs).Distinct().ToList();
        var views = (await Task.WhenAll(known.Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync()))).ToDictionary(v => v.Mac);
        var liveMacs = live.Select(a => a.Mac).ToHashSet();

        foreach (var unfinished in await UnfinishedRestorationsAsync(grains))
        {
            violations.Add($"restoration {unfinished.Id} is unfinished: {string.Join("; ", unfinished.Programs.Select(i => $"{i.ProgramId} {i.Outcome} {i.Detail}"))}");
        }

        var processes = new Dictionary<string, IReadOnlyList<int>>();
        foreach (var agent in live)
        {
            var view = views[agent.Mac];
            var active = view.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).ToList();
            var pids = agent.ChildPids().Where(IsSampleProgram).ToList();
            processes[agent.Mac] = pids;
            if (view.Status == EcuStatus.Unknown && pids.Count == 0 && !agent.HasExited)
            {
                continue; // still starting: it has not registered, so it runs nothing yet
            }

            if (agent.HasExited)
            {
                violations.Add($"agent {agent.Mac} exited on its own: {agent}");
            }

            if (view.Status != EcuStatus.Alive || !view.AgentAttached)
            {
                violations.Add($"live agent {agent.Mac} is {view.Status} (agent attached: {view.AgentAttached}) for the CMS");
            }

            if (pids.Count != active.Count)
            {
                violations.Add($"{agent.Mac} runs {pids.Count} program processes, its catalogue has {active.Count} active programs");
            }

            var reported = view.Programs.Where(p => p.Running).Select(p => p.ProgramId).Order();
            if (!reported.SequenceEqual(active.Select(p => p.ProgramId).Order()))
            {
                violations.Add($"{agent.Mac} reports running [{string.Join(",", reported)}], its catalogue has [{string.Join(",", active.Select(p => p.ProgramId))}]");
            }
        }

        var programs = new List<ProgramSnapshot>();
        foreach (var program in ProgramLineage.Build(views.Values))
        {
            var snapshot = await ProgramSnapshot.TakeAsync(grains, program, views);
            programs.Add(snapshot);
            if (program.RunningCopies > 1 || program.RunningCopies == 0 && acknowledged.Contains(program.Root))
            {
                violations.Add($"{program.Root} ({program.Name}) has {program.RunningCopies} running copies");
            }
            else if (program.RunningCopy is { } copy && !liveMacs.Contains(copy.Mac))
            {
                violations.Add($"{program.Root} ({program.Name}) runs on {copy.Mac}, which is not a live agent");
            }
            else if (program.RunningCopy is not null && snapshot.NewestVersion is null)
            {
                violations.Add($"{program.Root} ({program.Name}): its running copy has no acknowledged checkpoint yet");
            }
        }

        var running = programs.Count(p => p.Running is not null);
        var processCount = processes.Values.Sum(p => p.Count);
        if (processCount != running)
        {
            violations.Add($"{processCount} program processes run on the live agents for {running} running programs");
        }

        // Reading every newest checkpoint back is what costs; a snapshot that shows the fleet unsettled does not need it.
        return violations.Count > 0
            ? new FleetAudit(programs, processes, violations)
            : new FleetAudit([.. await Task.WhenAll(programs.Select(p => p.WithCounterAsync(grains)))], processes, violations);
    }

    public override string ToString() =>
        string.Join(Environment.NewLine, Violations.Prepend($"{Programs.Count} programs, {Processes.Values.Sum(p => p.Count)} processes, {Violations.Count} violations:")
            .Concat(Programs.Select(p => $"  {p}")));

    private static async Task<IReadOnlyList<RestorationView>> UnfinishedRestorationsAsync(IGrainFactory grains)
    {
        // The log is updated one-way; the restoration grains themselves have the last word.
        var listed = (await grains.GetGrain<IRestorationLogGrain>(0).ListAsync()).Where(v => v.FinishedAt is null);
        var views = await Task.WhenAll(listed.Select(v => grains.GetGrain<IRestorationGrain>(v.Id).GetAsync()));
        return [.. views.Where(v => v is { FinishedAt: null }).Select(v => v!)];
    }

    private static bool IsSampleProgram(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(ProgramLaunch.SampleAssembly, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
