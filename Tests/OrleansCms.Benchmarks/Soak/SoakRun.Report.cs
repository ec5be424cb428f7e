using System.Text.Json;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>The soak's report: the figures, each silo incarnation's memory, and last one JSON line.</summary>
public sealed partial class SoakRun
{
    private static readonly TimeSpan MemoryWindow = TimeSpan.FromMinutes(5);

    private int Report()
    {
        var load = clock.Elapsed - _loadStart;
        // The silos keep an idle grain activation for Orleans' collection age (15 min by default), and every restore
        // makes new ones (new program keys), so memory only reaches its steady state a collection age into the load:
        // the warm-up is that long plus a minute, less for a short run (a third of it).
        var warmUp = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(16).Ticks, TimeSpan.FromMinutes(options.Minutes).Ticks / 3));
        var lost = _tally.Lost.Count;
        Console.WriteLine();
        Console.WriteLine($"soak: {load.TotalMinutes:0.0} minutes of load, {ecus.Count} agents × {ProgramsPerEcu} programs, 3 silos, seed {options.Seed}");
        Console.WriteLine($"faults injected: {_tally.Faults} ({_tally.AgentKills} agents, {_tally.SiloKills} silos, SIGKILL); quiet checks: {_tally.QuietChecks}, "
            + $"{_tally.SettleSeconds.Count} settled (p50 {Stats.Median(_tally.SettleSeconds):0.0} s, max {_tally.SettleSeconds.DefaultIfEmpty().Max():0.0} s), {_tally.Unsettled} did not within {Settle.TotalSeconds:0} s");
        Console.WriteLine($"acknowledged checkpoints checked at the end: {_tally.AckedChecked} (of {_tally.CopiesChecked} program copies); lost: {lost}{(_tally.FinalReadBack ? "" : " — the end's loss check did not finish")}");
        Console.WriteLine($"duplicate running copies: {_tally.Duplicates}; acknowledged programs not running: {_tally.Missing}");
        Console.WriteLine($"restorations: {_tally.Restorations} finished, {_tally.ProgramsRestored} programs restored; counters continued in "
            + $"{_tally.CountersChecked.Count - _tally.CounterBreaks} of {_tally.CountersChecked.Count} restored copies ({_uncheckedCopies} had not checkpointed by themselves yet)");
        // Every agent kill makes its ECU fail once (the fleet has settled, so it was alive); any other failure was
        // declared while the agent lived, e.g. its heartbeats starved of CPU: restored and fenced as designed, but a
        // figure to watch.
        var falseFailures = Math.Max(0, _tally.EcuFailures - _tally.AgentKills);
        Console.WriteLine($"ECU failures declared: {_tally.EcuFailures}, for {_tally.AgentKills} agent kills ({falseFailures} declared while the agent lived)");
        if (_tally.Problems > 0)
        {
            Console.WriteLine($"problems (see the lines marked PROBLEM): {_tally.Problems}");
        }

        Console.WriteLine($"silo memory, VmRSS every {SampleEvery.TotalSeconds:0} s (flatness: median of the last {MemoryWindow.TotalMinutes:0} min against the first {MemoryWindow.TotalMinutes:0} min after a {warmUp.TotalMinutes:0.#} min warm-up, shorter windows in a short life):");
        var incarnations = _memory.Incarnations;
        foreach (var life in incarnations)
        {
            var flat = life.Flatness(_loadStart, warmUp, MemoryWindow);
            Console.WriteLine($"  {life.Silo} life {life.Life} (pid {life.Pid}, {Clock(life.Samples[0].At)}–{Clock(life.Samples[^1].At)}): first {life.First:0} MB, median {life.Median:0}, last {life.Last:0}, max {life.Max:0}"
                + (flat is { } f ? $"; {f.FirstMb:0} MB from {Clock(f.From)} → {f.LastMb:0} MB from {Clock(f.To)} ({f.GrowthPct:+0.0;-0.0}%)" : "; too short for flatness"));
        }

        // The headline memory figures are silo-1's: never killed, its one life spans the run.
        var witness = incarnations.First(i => i.Silo == "silo-1");
        var witnessFlat = witness.Flatness(_loadStart, warmUp, MemoryWindow);
        var failed = lost > 0 || _tally.Duplicates > 0 || _tally.Missing > 0 || _tally.CounterBreaks > 0 || !_tally.FinalReadBack;
        Console.WriteLine(failed ? "soak: FAILED (see the lines marked LOST, NOT SETTLED, COUNTER BROKEN)" : "soak: every invariant held");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double?>
        {
            ["minutes"] = Math.Round(load.TotalMinutes, 1),
            ["agents"] = ecus.Count,
            ["seed"] = options.Seed,
            ["faults"] = _tally.Faults,
            ["agent_kills"] = _tally.AgentKills,
            ["silo_kills"] = _tally.SiloKills,
            ["acked_checkpoints"] = _tally.AckedChecked,
            ["acked_lost"] = lost,
            ["duplicates"] = _tally.Duplicates,
            ["missing"] = _tally.Missing,
            ["unsettled"] = _tally.Unsettled,
            ["settle_p50_s"] = Math.Round(Stats.Median(_tally.SettleSeconds), 1),
            ["settle_max_s"] = Math.Round(_tally.SettleSeconds.DefaultIfEmpty().Max(), 1),
            ["false_ecu_failures"] = falseFailures,
            ["restorations"] = _tally.Restorations,
            ["programs_restored"] = _tally.ProgramsRestored,
            ["counter_breaks"] = _tally.CounterBreaks,
            ["silo_rss_mb_first"] = Math.Round(witness.First),
            ["silo_rss_mb_median"] = Math.Round(witness.Median),
            ["silo_rss_mb_last"] = Math.Round(witness.Last),
            ["silo_rss_mb_max"] = Math.Round(witness.Max),
            ["silo_rss_growth_pct"] = witnessFlat is { } w ? Math.Round(w.GrowthPct, 1) : null,
            ["other_silos_rss_mb_max"] = incarnations.Where(i => i != witness).Select(i => Math.Round(i.Max)).DefaultIfEmpty().Max(),
        }));
        return failed ? 1 : 0;
    }

    private static string Clock(TimeSpan at) => $"{(int)at.TotalMinutes:00}:{at.Seconds:00}";
}
