using System.Diagnostics;
using OrleansCms.Benchmarks.Soak;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// An agent with three programs inside a network namespace, a target agent outside it, and a sampler of every
/// program copy under them. <see cref="InjectAsync"/> injects one fault: a cut of the namespace's network, a silo's
/// kill, or the cut-off agent's; after a fault that got the ECU declared failed (its programs restored elsewhere)
/// both agents are retired and replaced, so the load stays the same.
/// </summary>
public sealed class PartitionRig : IAsyncDisposable
{
    private const int ProgramsPerEcu = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly BenchSilos _cms;
    private readonly NetworkNamespace _network;
    private readonly List<FleetMember> _agents = [];
    private readonly ProgramCopySampler _sampler;
    private FleetMember? _isolated;
    private FleetMember? _target;
    private HashSet<string> _isolatedPrograms = [];
    private int _nextEcu;
    private int _nextSeed;
    private readonly HashSet<int> _orphans = [];

    private PartitionRig(BenchSilos cms, NetworkNamespace network)
    {
        _cms = cms;
        _network = network;
        _sampler = ProgramCopySampler.Start(AgentPids, WatchedOrphans);
    }

    public ProgramCopySampler Sampler => _sampler;

    public static async Task<PartitionRig> StartAsync(BenchSilos cms, NetworkNamespace network)
    {
        var rig = new PartitionRig(cms, network);
        await rig.ReplaceAgentsAsync();
        return rig;
    }

    /// <summary>Injects one fault and checks what it left: false failures, lost acknowledged versions, frozen time.</summary>
    public async Task<FaultResult> InjectAsync(FaultKind kind, Random random)
    {
        var isolated = _isolated!;
        var mac = isolated.Spec.Mac!;
        var ecu = _cms.Client.GetGrain<IEcuGrain>(mac);
        var before = await ecu.GetAsync();
        // What the agent saw acknowledged before the fault must survive it (kept, superseded, or restored from).
        var acknowledged = before.Programs.ToDictionary(p => new CheckpointKey(mac, p.ProgramId).ToString(), p => (IReadOnlyList<long>)[p.LastAcknowledgedVersion]);
        var startedAt = _sampler.Elapsed;
        var clock = Stopwatch.StartNew();
        var failureExpected = kind is FaultKind.Long or FaultKind.AgentKill;
        switch (kind)
        {
            case FaultKind.Long:
                _network.Cut();
                await WaitAsync(ecu, v => v.FailureEpoch > before.FailureEpoch, "the cut-off ECU declared failed");
                await WaitRestoredAsync($"failure:{mac}:{before.FailureEpoch + 1}");
                _network.Heal();
                await WaitAsync(() => Task.FromResult(isolated.ChildPids().Count == 0), "the fenced agent killed its frozen copies");
                break;
            case FaultKind.AgentKill:
                // Only the agent: its programs must die with it (they start with a parent-death signal), and are watched
                // until they are gone, so that one outliving it would be counted beside its restored copy.
                var programs = isolated.ChildPids();
                lock (_orphans)
                {
                    _orphans.UnionWith(programs);
                }

                isolated.Kill(by: "the partition benchmark", withChildren: false);
                await WaitAsync(ecu, v => v.FailureEpoch > before.FailureEpoch, "the killed agent's ECU declared failed");
                await WaitRestoredAsync($"failure:{mac}:{before.FailureEpoch + 1}");
                break;
            case FaultKind.SiloKill:
                var silo = _cms.Silos[random.Next(_cms.Silos.Count)];
                await silo.KillAsync();
                await Task.Delay(TimeSpan.FromSeconds(3 + random.NextDouble() * 5));
                await _cms.StartSiloAsync(silo);
                break;
            default:
                _network.Cut();
                await Task.Delay(kind == FaultKind.Short ? 400 : 1200);
                _network.Heal();
                break;
        }

        var faultMs = clock.Elapsed.TotalMilliseconds;
        var after = failureExpected
            ? await ecu.GetAsync()
            : await WaitAsync(ecu, v => v.FailureEpoch > before.FailureEpoch
                || v.Programs.Count == ProgramsPerEcu && v.Programs.All(p => p.LastAcknowledgedVersion > Acknowledged(before, p.ProgramId) + 1),
                "every program checkpointed again after the fault");

        await Task.Delay(ProgramCopySampler.Period * 2); // the sampler sees the end state too
        var declaredFailed = after.FailureEpoch > before.FailureEpoch;
        if (declaredFailed && !failureExpected)
        {
            // A failure the fault should not have caused: let its restoration finish before the check.
            await WaitRestoredAsync($"failure:{mac}:{before.FailureEpoch + 1}");
        }

        var views = new[] { await ecu.GetAsync(), await _cms.Client.GetGrain<IEcuGrain>(_target!.Spec.Mac!).GetAsync() };
        var (lost, details) = await LossCheck.CheckAsync(_cms.Client, views, acknowledged, readBack: true);
        details.ToList().ForEach(Console.Error.WriteLine);
        var watched = _isolatedPrograms;
        var spans = _sampler.FrozenSpans.Where(s => s.From >= startedAt && watched.Contains(s.Program)).ToList();
        double? frozenMs = spans.Count == 0 ? null : (spans.Max(s => s.To) - spans.Min(s => s.From)).TotalMilliseconds;
        if (declaredFailed)
        {
            await ReplaceAgentsAsync();
        }

        return new FaultResult(kind, faultMs, frozenMs, declaredFailed && !failureExpected, lost);
    }

    public async ValueTask DisposeAsync()
    {
        await _sampler.DisposeAsync();
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }

    /// <summary>The running agents' pids and roles, to read a violation's parents by.</summary>
    public string AgentNames()
    {
        lock (_agents)
        {
            return string.Join(", ", _agents.Select(a => $"{a.ProcessId} {(a == _isolated ? "cut-off" : "target")} {a.Spec.Mac}"));
        }
    }

    private IEnumerable<int> WatchedOrphans()
    {
        lock (_orphans)
        {
            _orphans.RemoveWhere(pid => !Directory.Exists($"/proc/{pid}"));
            return [.. _orphans];
        }
    }

    private IEnumerable<int> AgentPids()
    {
        lock (_agents)
        {
            return [.. _agents.Where(a => a.IsAlive && a.ProcessId is not null).Select(a => a.ProcessId!.Value)];
        }
    }

    /// <summary>Retires the agents there are and starts a fresh isolated agent (with new seeds) and target.</summary>
    private async Task ReplaceAgentsAsync()
    {
        foreach (var agent in new[] { _isolated, _target }.OfType<FleetMember>())
        {
            await _cms.Client.GetGrain<IEcuGrain>(agent.Spec.Mac!).RetireAsync("partition benchmark: next round");
            await agent.DisposeAsync();
            lock (_agents)
            {
                _agents.Remove(agent);
            }
        }

        var seeds = Enumerable.Range(0, ProgramsPerEcu).Select(_ => ++_nextSeed).ToList();
        _isolatedPrograms = [.. seeds.Select(seed => $"seed {seed}")]; // as the sampler names them
        _isolated = _cms.StartAgent(NextMac(), 1024, seeds.Select(seed => ProgramCopySampler.SeededProgram($"p{seed}", seed)), network: _network);
        _target = _cms.StartAgent(NextMac(), 1024, []);
        lock (_agents)
        {
            _agents.AddRange([_isolated, _target]);
        }

        await WaitAsync(_cms.Client.GetGrain<IEcuGrain>(_isolated.Spec.Mac!), v => v.Programs.Count == ProgramsPerEcu && v.Programs.All(p => p.LastAcknowledgedVersion >= 2), "the isolated agent's programs checkpointed");
        await WaitAsync(_cms.Client.GetGrain<IEcuGrain>(_target.Spec.Mac!), v => v.AgentAttached, "the target agent attached");
    }

    private async Task WaitRestoredAsync(string restorationKey)
    {
        var grain = _cms.Client.GetGrain<IRestorationGrain>(restorationKey);
        await WaitAsync(async () => (await grain.GetAsync())?.FinishedAt is not null, $"restoration {restorationKey} finished");
    }

    private static long Acknowledged(EcuView view, int programId) =>
        view.Programs.FirstOrDefault(p => p.ProgramId == programId)?.LastAcknowledgedVersion ?? 0;

    private static async Task<EcuView> WaitAsync(IEcuGrain ecu, Func<EcuView, bool> condition, string what)
    {
        EcuView? view = null;
        await WaitAsync(async () => condition(view = await ecu.GetAsync()), what);
        return view!;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"not within {Patience.TotalSeconds:0} s: {what}");
            }

            await Task.Delay(50);
        }
    }

    private string NextMac() => $"02:00:00:cc:{(++_nextEcu) >> 8:x2}:{_nextEcu & 0xff:x2}";
}
