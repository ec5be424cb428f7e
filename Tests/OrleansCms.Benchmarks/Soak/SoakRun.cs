using System.Diagnostics;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// The soak's steady load and faults: every 20–40 s one SIGKILL, of an agent (with its programs: the ECU dies) or of
/// silo 2 or 3 — silo 1 is never killed, so that one silo's memory spans the whole run — and the victim started
/// again 5–15 s later (same ports, same MAC), so the fleet keeps its size and at most one silo and one agent are
/// down at a time. After each fault, once the fleet has settled, a quiet check: <see cref="FleetCheck"/> (one
/// running copy per program, in the CMS and in the processes), <see cref="LossCheck"/> (no acknowledged checkpoint
/// lost) and the counters of new restored copies.
/// </summary>
public sealed partial class SoakRun(SoakOptions options, BenchSilos cms, IReadOnlyList<SoakEcu> ecus, AckLedger ledger, Stopwatch clock)
{
    public const int ProgramsPerEcu = 3;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(30);

    // The time a last fault needs to be restarted and settle before the run ends.
    private static readonly TimeSpan LastFaultRoom = TimeSpan.FromSeconds(25);

    private readonly Random _random = new(options.Seed);
    private readonly SiloMemory _memory = new();
    private readonly SoakTally _tally = new();
    private readonly List<ProcessMark> _killedPrograms = [];
    private TimeSpan _loadStart;
    private int _uncheckedCopies;

    public async Task<int> RunAsync()
    {
        using var stop = new CancellationTokenSource();
        var sampler = SampleAsync(stop.Token);
        try
        {
            foreach (var ecu in ecus)
            {
                ecu.Start(cms);
            }

            // Ready when every declared program was registered, the fleet settled, and every running copy has an
            // acknowledged checkpoint. On a loaded machine an ECU may be declared failed while it starts: a program
            // of it that had not checkpointed yet is rightly not restored (nothing was acknowledged), so fewer run.
            var declared = ecus.SelectMany(e => e.ProgramNames).ToHashSet();
            FleetCheck? ready = null;
            if (!await WaitForAsync(async () =>
            {
                var acknowledged = ledger.Snapshot();
                var check = await FleetCheck.TakeAsync(cms.Client, ecus, acknowledged.Keys.ToHashSet(), []);
                ready = check;
                return declared.IsSubsetOf(check.Names) && check.Violations.Count == 0 && check.RunningKeys.All(acknowledged.ContainsKey);
            }, TimeSpan.FromMinutes(3)))
            {
                Say($"FAILED to start: the fleet did not settle with every program checkpointing within 3 minutes: {string.Join("; ", ready?.Violations ?? [])}");
                return 1;
            }

            _loadStart = clock.Elapsed;
            Say($"load: {ready!.Running} programs checkpoint on {ecus.Count} agents ({declared.Count - ready.Running} of {declared.Count} ended before their first checkpoint); faults begin");
            await QuietCheckAsync("the start");
            var end = _loadStart + TimeSpan.FromMinutes(options.Minutes);
            var next = clock.Elapsed + Interval();
            while (next + LastFaultRoom < end)
            {
                await DelayUntilAsync(next);
                var faultAt = clock.Elapsed;
                var what = await InjectFaultAsync();
                await QuietCheckAsync(what);
                next = Later(faultAt + Interval(), clock.Elapsed + TimeSpan.FromSeconds(2));
            }

            await DelayUntilAsync(end);
            await HealAsync();
            await QuietCheckAsync("the end", final: true);
        }
        finally
        {
            await stop.CancelAsync();
            await sampler;
        }

        await RefreshRestorationsAsync();
        return Report();
    }

    private TimeSpan Interval() => TimeSpan.FromSeconds(20 + _random.NextDouble() * 20);

    /// <summary>Kills one agent or silo and starts it again after a while; returns what it did.</summary>
    private async Task<string> InjectFaultAsync()
    {
        // Every draw is made whatever is chosen, so a seed replays the same kinds of fault at the same times.
        var killSilo = _random.NextDouble() < 0.4;
        var silo = cms.Silos[1 + _random.Next(cms.Silos.Count - 1)];
        var ecuDraw = _random.Next(int.MaxValue);
        var downFor = TimeSpan.FromSeconds(5 + _random.NextDouble() * 10);
        await HealAsync();

        // An agent that runs programs, when one does: killing an empty one restores nothing.
        var busy = ecus.Where(e => e.ProgramProcesses().Count > 0).ToList();
        var ecu = (busy.Count > 0 ? busy : ecus)[ecuDraw % (busy.Count > 0 ? busy.Count : ecus.Count)];
        _tally.Faults++;
        if (killSilo)
        {
            _tally.SiloKills++;
            Say($"fault {_tally.Faults}: SIGKILL {silo.Spec.Name} (pid {silo.ProcessId}); it starts again in {downFor.TotalSeconds:0} s");
            await silo.KillAsync();
            await Task.Delay(downFor);
            await StartSiloAsync(silo);
            return $"fault {_tally.Faults} ({silo.Spec.Name})";
        }

        _tally.AgentKills++;
        var programs = await ecu.KillAsync();
        _killedPrograms.AddRange(programs);
        Say($"fault {_tally.Faults}: SIGKILL agent {ecu.Mac} and its {programs.Count} program processes; it starts again in {downFor.TotalSeconds:0} s");
        await Task.Delay(downFor);
        await StartAgentAsync(ecu);
        return $"fault {_tally.Faults} (agent {ecu.Mac})";
    }

    /// <summary>Starts what an earlier fault left down (a restart that did not succeed), before the next fault.</summary>
    private async Task HealAsync()
    {
        foreach (var silo in cms.Silos.Where(s => s.Process is not { HasExited: false }))
        {
            await StartSiloAsync(silo);
        }

        foreach (var ecu in ecus.Where(e => !e.IsUp))
        {
            await StartAgentAsync(ecu);
        }
    }

    private async Task StartSiloAsync(FleetMember silo)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await cms.StartSiloAsync(silo);
            Say($"{silo.Spec.Name} is back (pid {silo.ProcessId}), healthy after {watch.Elapsed.TotalSeconds:0.0} s");
        }
        catch (InvalidOperationException e)
        {
            _tally.Problems++;
            Say($"PROBLEM: {silo.Spec.Name} did not come back: {e.Message}");
        }
    }

    private async Task StartAgentAsync(SoakEcu ecu)
    {
        var watch = Stopwatch.StartNew();
        ecu.Start(cms);
        var grain = cms.Client.GetGrain<IEcuGrain>(ecu.Mac);
        if (await WaitForAsync(async () => await grain.GetAsync() is { Status: EcuStatus.Alive, AgentAttached: true }, TimeSpan.FromSeconds(60)))
        {
            Say($"agent {ecu.Mac} is back (fenced, rejoined) after {watch.Elapsed.TotalSeconds:0.0} s");
        }
        else
        {
            _tally.Problems++;
            Say($"PROBLEM: agent {ecu.Mac} did not rejoin within 60 s");
        }
    }

    /// <summary>
    /// Waits until the fleet settles (at most <see cref="Settle"/>), then checks it. Duplicates and missing programs
    /// can only be found by a check that did not settle: settled means the fleet has none.
    /// </summary>
    private async Task QuietCheckAsync(string after, bool final = false)
    {
        var watch = Stopwatch.StartNew();
        FleetCheck? check = null;
        string? error = null;
        while (true)
        {
            try
            {
                check = await FleetCheck.TakeAsync(cms.Client, ecus, ledger.Snapshot().Keys.ToHashSet(), _killedPrograms);
                error = null;
                if (check.Violations.Count == 0)
                {
                    break;
                }
            }
            catch (Exception e)
            {
                // A silo that has just died or restarted surfaces as several kinds of exception; the check is taken again.
                error = e.Message;
            }

            if (watch.Elapsed > Settle)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        _tally.QuietChecks++;
        _tally.EcuFailures = check?.Views.Sum(v => v.FailureEpoch) ?? _tally.EcuFailures;
        if (check is { Violations.Count: 0 } && error is null)
        {
            _tally.SettleSeconds.Add(watch.Elapsed.TotalSeconds);
            _killedPrograms.Clear(); // all gone, and a process that is gone does not come back
            Say($"settled after {after} in {watch.Elapsed.TotalSeconds:0.0} s: {check.Running} programs running once each ({check.Processes} processes)"
                + (check.Programs > check.Running ? $"; {check.Programs - check.Running} never acknowledged a checkpoint and ended with their ECU" : ""));
        }
        else
        {
            _tally.Unsettled++;
            _tally.Duplicates += check?.ExtraCopies ?? 0;
            _tally.Missing += check?.Missing ?? 0;
            Say($"NOT SETTLED {Settle.TotalSeconds:0} s after {after}{(error is null ? "" : $" (last error: {error})")}:");
            foreach (var violation in check?.Violations ?? [])
            {
                Say($"  {violation}");
            }
        }

        if (check is not null && (error is null || final))
        {
            await CheckLossAsync(check, final);
        }
    }

    private async Task CheckLossAsync(FleetCheck check, bool readBack)
    {
        try
        {
            var acknowledged = ledger.Snapshot();
            var (lost, details) = await LossCheck.CheckAsync(cms.Client, check.Views, acknowledged, readBack);
            _tally.Lost.UnionWith(lost);
            foreach (var detail in details)
            {
                Say($"LOST: {detail}");
            }

            _uncheckedCopies = 0;
            foreach (var (key, origin) in LossCheck.Successors(check.Views).Where(s => !_tally.CountersChecked.Contains(s.Key)))
            {
                if (await LossCheck.ContinuesAsync(cms.Client, key, origin) is not { } result)
                {
                    _uncheckedCopies++; // not checkpointed by itself yet
                    continue;
                }

                _tally.CountersChecked.Add(key);
                if (!result.Continues)
                {
                    _tally.CounterBreaks++;
                    Say($"COUNTER BROKEN: {result.Detail}");
                }
            }

            if (readBack)
            {
                _tally.FinalReadBack = true;
                _tally.AckedChecked = acknowledged.Sum(p => p.Value.Count);
                _tally.CopiesChecked = acknowledged.Count;
            }
        }
        catch (Exception e)
        {
            // Under a loaded machine a call may time out; the next quiet check looks again (the end's must succeed).
            _tally.Problems++;
            Say($"PROBLEM: the loss check did not finish: {e.Message}");
        }
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(SampleEvery);
        var progressAt = clock.Elapsed + ProgressEvery;
        try
        {
            do
            {
                _memory.Sample(cms.Silos, clock.Elapsed);
                if (clock.Elapsed >= progressAt)
                {
                    progressAt = clock.Elapsed + ProgressEvery;
                    await RefreshRestorationsAsync();
                    Say($"progress: {_tally.Faults} faults ({_tally.AgentKills} agents, {_tally.SiloKills} silos) · {ledger.Count} acknowledged checkpoints · "
                        + $"{_tally.Restorations} restorations ({_tally.ProgramsRestored} programs) · {_tally.QuietChecks} quiet checks ({_tally.Unsettled} unsettled) · "
                        + $"lost {_tally.Lost.Count} · duplicates {_tally.Duplicates} · RSS {_memory.Now(cms.Silos)}");
                }
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RefreshRestorationsAsync()
    {
        try
        {
            var finished = (await cms.Client.GetGrain<IRestorationLogGrain>(0).ListAsync()).Where(v => v.FinishedAt is not null).ToList();
            _tally.Restorations = finished.Count;
            _tally.ProgramsRestored = finished.Sum(v => v.Programs.Count(p => p.Outcome == RestorationOutcome.Running));
        }
        catch (Exception)
        {
            // A silo is dying: the figures stay as they were until the next refresh.
        }
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception)
            {
                // The CMS does not answer yet (a silo restarting); ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        return false;
    }

    private async Task DelayUntilAsync(TimeSpan at)
    {
        if (at > clock.Elapsed)
        {
            await Task.Delay(at - clock.Elapsed);
        }
    }

    private static TimeSpan Later(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Say(string text)
    {
        Console.WriteLine($"[{Clock(clock.Elapsed)}] {text}");
    }
}
