using System.Diagnostics;
using System.Globalization;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Programs;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Restoration;

/// <summary>
/// Seeded random rounds of SIGKILLs of agents and silos on three real silos, with the invariant checked after every
/// round once the fleet settles. The seed is printed; <c>CMS_FAULT_SEED=N</c> replays a run (and
/// <c>CMS_FAULT_ROUNDS=N</c> changes the number of rounds). Each run draws a new seed, so the suite's few rounds add
/// up across runs; <c>./cms bench soak</c> runs the same faults for half an hour.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class RandomizedFaultRoundsTests(ITestOutputHelper output) : IAsyncLifetime
{
    public const string SeedVariable = "CMS_FAULT_SEED";
    public const string RoundsVariable = "CMS_FAULT_ROUNDS";
    private const int Silos = 3;
    private const int DefaultRounds = 6;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    private readonly List<AgentProcess> _live = [];
    private readonly List<Task<AgentProcess>> _starting = [];
    private readonly HashSet<AgentProcess> _killed = [];
    private readonly List<string> _macs = [];
    private readonly HashSet<string> _acknowledged = [];
    private readonly Dictionary<string, (string Key, ulong Counter)> _lastAcknowledged = [];
    private readonly List<int> _killedPrograms = [];
    private CmsProcesses _cms = null!;
    private Task _siloRestart = Task.CompletedTask;
    private int _nextEcu;

    private enum Fault
    {
        KillAgent,
        KillTwoAgents,
        KillSilo,
        KillAgentAndSilo,
    }

    public async Task InitializeAsync() => _cms = await CmsProcesses.StartAsync(silos: Silos);

    public async Task DisposeAsync()
    {
        await _siloRestart.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _cms.DisposeAsync();
    }

    [Fact]
    public async Task SeededRoundsOfAgentAndSiloKills_EveryAcknowledgedProgramRunsOnceAndNeverGoesBack()
    {
        var seed = Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : Random.Shared.Next();
        var rounds = Environment.GetEnvironmentVariable(RoundsVariable) is { Length: > 0 } count ? int.Parse(count, CultureInfo.InvariantCulture) : DefaultRounds;
        output.WriteLine($"seed {seed}: replay with {SeedVariable}={seed}; {rounds} rounds");
        var random = new Random(seed);
        var total = Stopwatch.StartNew();

        _live.AddRange(await Task.WhenAll(
            StartEcuAsync(Program("a"), Program("b")),
            StartEcuAsync(Program("c"), Program("d")),
            StartEcuAsync(Program("e")),
            StartEcuAsync()));

        // Settled means every program that runs has an acknowledged checkpoint (one whose ECU failed before its
        // first one, under load, is rightly not restored: it has nothing to restore from).
        await SettleAndCheckAsync($"the start (seed {seed})", s => s.Programs.Select(p => p.Name).Distinct().Count() == 5);
        Assert.NotEmpty(_acknowledged);
        output.WriteLine($"fleet of {_live.Count} agents and {_acknowledged.Count} programs settled after {total.Elapsed.TotalSeconds:0.0} s");

        for (var round = 1; round <= rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            await HarvestStartedAgentsAsync();
            var fault = Choose(random);
            var done = await InjectAsync(fault, random);
            await SettleAndCheckAsync($"round {round} ({done}; seed {seed})");
            output.WriteLine($"round {round,2}: {done,-50} settled in {watch.Elapsed.TotalSeconds:0.0} s");
        }

        await Task.WhenAll(_starting);
        await _siloRestart;
        output.WriteLine($"{rounds} rounds in {total.Elapsed.TotalSeconds:0} s (seed {seed})");
    }

    private static string Program(string name) =>
        $"name={name},ram-mb=16,interval-ms=300,cmd=sample --state-mb 0.25 --dirty 0.05 --tick-ms 1";

    private Fault Choose(Random random)
    {
        // One silo at a time (the previous one is back), so at least two of three are up; at least two agents survive.
        return random.NextDouble() switch
        {
            < 0.25 => Fault.KillSilo,
            < 0.45 => Fault.KillAgentAndSilo,
            < 0.65 when _live.Count >= 4 => Fault.KillTwoAgents,
            _ => Fault.KillAgent,
        };
    }

    /// <summary>
    /// Replacement agents and a killed silo start again in the background while the fleet settles (the snapshot
    /// already counts a starting agent as live); the next round waits for them, so that the faults a seed chooses
    /// do not depend on how fast this machine starts processes, and a seed replays the same faults.
    /// </summary>
    private async Task HarvestStartedAgentsAsync()
    {
        await _siloRestart;
        foreach (var start in _starting)
        {
            _live.Add(await start);
        }

        _starting.Clear();
    }

    /// <summary>Kills what the fault says and starts what keeps the fleet alive; returns what it did.</summary>
    private async Task<string> InjectAsync(Fault fault, Random random)
    {
        var did = new List<string>();
        var victims = fault switch
        {
            Fault.KillAgent or Fault.KillAgentAndSilo => 1,
            Fault.KillTwoAgents => 2,
            _ => 0,
        };
        foreach (var victim in _live.OrderBy(_ => random.Next()).Take(victims).ToList())
        {
            _killedPrograms.AddRange(victim.ChildPids());
            victim.Kill();
            _killed.Add(victim);
            _live.Remove(victim);
            did.Add($"agent {victim.Mac}");
            _starting.Add(StartEcuAsync());
        }

        if (fault is Fault.KillSilo or Fault.KillAgentAndSilo)
        {
            var silo = random.Next(Silos);
            _cms.KillSilo(silo);
            did.Add($"silo {silo}");
            _siloRestart = _cms.RestartSiloAsync(silo);
        }

        return "killed " + string.Join(" + ", did);
    }

    private Task<AgentProcess> StartEcuAsync(params string[] programs)
    {
        var n = _nextEcu++;
        var mac = string.Create(CultureInfo.InvariantCulture, $"02:00:00:0f:{n / 256:x2}:{n % 256:x2}");
        _macs.Add(mac);
        return _cms.StartAgentAsync(mac, 1024, programs, waitForPrograms: false);
    }

    /// <summary>
    /// Waits until the fleet settles (no violation in the snapshot), then checks what settling cannot hide: a moved
    /// program started from a checkpoint at least as new as the last one acknowledged before, the newest acknowledged
    /// counter of each program never went down, and the processes of killed agents are gone.
    /// </summary>
    private async Task SettleAndCheckAsync(string when, Func<FleetAudit, bool>? until = null)
    {
        var live = _cms.Agents.Where(a => !_killed.Contains(a)).ToList();
        FleetAudit snapshot;
        try
        {
            snapshot = await Eventually.ReturnsAsync(() => FleetAudit.TakeAsync(_cms.Grains, live, _acknowledged, _macs),
                s => s.Violations.Count == 0 && (until is null || until(s)), Settle, $"the fleet settles after {when}",
                Transient.Any(Transient.SiloLost, Transient.VersionPruned));
        }
        catch (TimeoutException)
        {
            await DiagnoseAsync();
            throw;
        }

        foreach (var program in snapshot.Programs.Where(p => p.Running is not null))
        {
            var key = program.RunningKey!;
            var counter = program.NewestCounter!.Value;
            if (_lastAcknowledged.TryGetValue(program.Root, out var last))
            {
                if (last.Key != key)
                {
                    var origin = program.RunningEntry!.Origin;
                    Assert.True(origin is not null, $"{when}: {program.Root} moved from {last.Key} to {key}, which has no origin");
                    var newest = (await _cms.Grains.GetGrain<ICheckpointGrain>(origin.Source.ToString()).GetVersionsAsync())[0].Version;
                    Assert.True(origin.Version == newest, $"{when}: {key} was restored from {origin.Source} v{origin.Version}, not its newest v{newest}");
                    var from = await FleetProbe.StateAsync(_cms.Grains, origin.Source.ToString(), origin.Version);
                    Assert.True(from.Counter >= last.Counter,
                        $"{when}: {program.Root} went back: {key} started from counter {from.Counter}, {last.Key} had acknowledged {last.Counter}");
                }

                Assert.True(counter >= last.Counter, $"{when}: {program.Root}'s acknowledged counter went from {last.Counter} down to {counter}");
            }

            _acknowledged.Add(program.Root);
            _lastAcknowledged[program.Root] = (key, counter);
        }

        Assert.All(_killedPrograms, pid => Assert.False(ProcessLiveness.IsRunning(pid), $"{when}: program process {pid} of a killed agent still runs"));
    }

    /// <summary>Writes what explains a fleet that did not settle: the recent restorations and the silos' CMS log lines.</summary>
    private async Task DiagnoseAsync()
    {
        try
        {
            foreach (var view in (await _cms.Grains.GetGrain<IRestorationLogGrain>(0).ListAsync()).Take(8))
            {
                output.WriteLine($"{view.Id} on {view.RunsOn}: started {view.StartedAt:HH:mm:ss.fff}, finished {view.FinishedAt:HH:mm:ss.fff}");
                foreach (var item in view.Programs)
                {
                    output.WriteLine($"  {item.ProgramId} {item.Outcome} -> {item.TargetMac}/{item.NewProgramId}: {string.Join(" | ", item.Events ?? [])}");
                }
            }

            foreach (var mac in _macs)
            {
                var ecu = await _cms.Grains.GetGrain<IEcuGrain>(mac).GetAsync();
                output.WriteLine($"{mac}: {ecu.Status} epoch {ecu.FailureEpoch} ({ecu.FailureReason}); {string.Join(", ", ecu.Catalogue.Select(p => $"{p.ProgramId}={p.Status}"))}");
            }
        }
        catch (Exception e)
        {
            output.WriteLine($"(the CMS did not answer: {e.Message})");
        }

        for (var silo = 0; silo < Silos; silo++)
        {
            output.WriteLine($"---- silo {silo}");
            var lines = _cms.SiloOutput(silo, 5000)
                .Where(l => l.Contains("OrleansCms", StringComparison.Ordinal) || l.Contains("Orleans.Runtime.Membership", StringComparison.Ordinal))
                .Where(l => !l.Contains("Stored checkpoint", StringComparison.Ordinal) && !l.Contains("Pruned", StringComparison.Ordinal));
            foreach (var line in lines.TakeLast(80))
            {
                output.WriteLine(line);
            }
        }
    }
}
