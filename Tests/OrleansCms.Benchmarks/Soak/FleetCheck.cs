using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// The soak fleet at one moment, seen twice: by the CMS (every ECU's catalogue, its entries grouped into logical
/// programs by their root, and the unfinished restorations) and in reality (the sample-program processes of the
/// live agents, from /proc). <see cref="Violations"/> lists every way they disagree with "each logical program with
/// an acknowledged checkpoint runs exactly one copy, on a live agent"; empty means the fleet has settled.
/// </summary>
public sealed record FleetCheck(
    IReadOnlyList<EcuView> Views,
    int Programs,
    IReadOnlyList<string> RunningKeys,
    int Processes,
    int ExtraCopies,
    int Missing,
    IReadOnlyList<string> Violations)
{
    /// <summary>Running copies in the CMS's catalogues.</summary>
    public int Running => RunningKeys.Count;

    /// <summary>The program names in the catalogues (a restored copy keeps its program's name).</summary>
    public IEnumerable<string> Names => Views.SelectMany(v => v.Catalogue.Select(e => e.Program.Name)).Distinct();

    /// <summary>
    /// Takes the snapshot. <see cref="ExtraCopies"/> counts copies beyond one per logical program: the CMS's (two
    /// active catalogue entries of one program), plus processes the live agents run beyond the CMS's running copies,
    /// plus program processes of killed agents that still run. <see cref="Missing"/> counts logical programs with an
    /// acknowledged checkpoint (in <paramref name="acknowledged"/>) and no running copy.
    /// </summary>
    public static async Task<FleetCheck> TakeAsync(
        IGrainFactory grains, IReadOnlyList<SoakEcu> ecus, IReadOnlySet<string> acknowledged, IReadOnlyList<ProcessMark> killedPrograms)
    {
        var violations = new List<string>();
        var views = await Task.WhenAll(ecus.Select(e => grains.GetGrain<IEcuGrain>(e.Mac).GetAsync()));
        foreach (var listed in (await grains.GetGrain<IRestorationLogGrain>(0).ListAsync()).Where(v => v.FinishedAt is null))
        {
            // The log is updated one-way; the restoration grain itself has the last word.
            if (await grains.GetGrain<IRestorationGrain>(listed.Id).GetAsync() is { FinishedAt: null } unfinished)
            {
                violations.Add($"restoration {unfinished.Id} is unfinished: {string.Join("; ", unfinished.Programs.Select(i => $"{i.ProgramId} {i.Outcome} {i.Detail}"))}");
            }
        }

        var liveMacs = new HashSet<string>();
        var processes = 0;
        foreach (var (ecu, view) in ecus.Zip(views).Where(p => p.First.IsUp))
        {
            liveMacs.Add(view.Mac);
            var pids = ecu.ProgramProcesses();
            processes += pids.Count;
            var active = view.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).Select(p => p.ProgramId).Order().ToList();
            if (view.Status != EcuStatus.Alive || !view.AgentAttached)
            {
                violations.Add($"live agent {view.Mac} is {view.Status} (agent attached: {view.AgentAttached}) for the CMS");
            }

            if (pids.Count != active.Count)
            {
                violations.Add($"{view.Mac} runs {pids.Count} program processes, its catalogue has {active.Count} active programs");
            }

            var reported = view.Programs.Where(p => p.Running).Select(p => p.ProgramId).Order().ToList();
            if (!reported.SequenceEqual(active))
            {
                violations.Add($"{view.Mac} reports running [{string.Join(",", reported)}], its catalogue has [{string.Join(",", active)}]");
            }
        }

        var extra = 0;
        var missing = 0;
        var running = new List<string>();
        var copies = views.SelectMany(v => v.Catalogue.Select(e => (v.Mac, Root: e.Root(v.Mac), Key: new CheckpointKey(v.Mac, e.ProgramId).ToString(), e.Program.Name, e.Status)));
        var programs = copies.GroupBy(c => c.Root).ToList();
        foreach (var program in programs)
        {
            var active = program.Where(c => c.Status == ProgramEntryStatus.Active).ToList();
            running.AddRange(active.Select(c => c.Key));
            if (active.Count > 1)
            {
                extra += active.Count - 1;
                violations.Add($"{program.Key} ({active[0].Name}) has {active.Count} running copies: {string.Join(", ", active.Select(c => c.Key))}");
            }
            else if (active.Count == 0 && program.Any(c => acknowledged.Contains(c.Key)))
            {
                missing++;
                violations.Add($"{program.Key} ({program.First().Name}) has an acknowledged checkpoint and no running copy");
            }
            else if (active.Count == 1 && !liveMacs.Contains(active[0].Mac))
            {
                violations.Add($"{program.Key} ({active[0].Name}) runs on {active[0].Mac}, whose agent is dead");
            }
        }

        if (processes != running.Count)
        {
            extra += Math.Max(0, processes - running.Count);
            violations.Add($"{processes} program processes run on the live agents for {running.Count} running copies in the CMS");
        }

        foreach (var stray in killedPrograms.Where(p => p.IsRunning))
        {
            extra++;
            violations.Add($"program process {stray.Pid} of a killed agent still runs");
        }

        return new FleetCheck(views, programs.Count, running, processes, extra, missing, violations);
    }
}
