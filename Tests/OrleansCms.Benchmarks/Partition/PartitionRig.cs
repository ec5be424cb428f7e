using System.Diagnostics;
using OrleansCms.Benchmarks.Soak;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// An agent with three programs inside a network namespace, a target agent outside it, and a sampler of every
/// program copy under them. <see cref="CutAsync"/> cuts the namespace's link once; after a long cut (the isolated
/// ECU restored elsewhere and fenced) both agents are retired and replaced, so the load stays the same.
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

    private PartitionRig(BenchSilos cms, NetworkNamespace network)
    {
        _cms = cms;
        _network = network;
        _sampler = ProgramCopySampler.Start(() => AgentPids());
    }

    public ProgramCopySampler Sampler => _sampler;

    public static async Task<PartitionRig> StartAsync(BenchSilos cms, NetworkNamespace network)
    {
        var rig = new PartitionRig(cms, network);
        await rig.ReplaceAgentsAsync();
        return rig;
    }

    public async Task<CutResult> CutAsync(CutKind kind)
    {
        var isolated = _isolated!;
        var mac = isolated.Spec.Mac!;
        var ecu = _cms.Client.GetGrain<IEcuGrain>(mac);
        var before = await ecu.GetAsync();
        // What the agent saw acknowledged before the cut must survive it (kept, superseded, or restored from).
        var acknowledged = before.Programs.ToDictionary(p => new CheckpointKey(mac, p.ProgramId).ToString(), p => (IReadOnlyList<long>)[p.LastAcknowledgedVersion]);
        var cutAt = _sampler.Elapsed;
        var clock = Stopwatch.StartNew();
        _network.Cut();
        if (kind == CutKind.Long)
        {
            await WaitAsync(ecu, v => v.FailureEpoch > before.FailureEpoch, "the cut-off ECU declared failed");
            await WaitRestoredAsync($"failure:{mac}:{before.FailureEpoch + 1}");
        }
        else
        {
            await Task.Delay(kind == CutKind.Short ? 400 : 1200);
        }

        var cutMs = clock.Elapsed.TotalMilliseconds;
        _network.Heal();
        EcuView after;
        if (kind == CutKind.Long)
        {
            await WaitAsync(() => Task.FromResult(isolated.ChildPids().Count == 0), "the fenced agent killed its frozen copies");
            after = await ecu.GetAsync();
        }
        else
        {
            after = await WaitAsync(ecu, v => v.FailureEpoch > before.FailureEpoch
                || v.Programs.Count == ProgramsPerEcu && v.Programs.All(p => p.LastAcknowledgedVersion > Acknowledged(before, p.ProgramId) + 1),
                "every program checkpointed again after the cut");
        }

        await Task.Delay(ProgramCopySampler.Period * 2); // the sampler sees the end state too
        var declaredFailed = after.FailureEpoch > before.FailureEpoch;
        if (declaredFailed && kind != CutKind.Long)
        {
            // A failure declared during a cut shorter than the lease: let its restoration finish before the check.
            await WaitRestoredAsync($"failure:{mac}:{before.FailureEpoch + 1}");
        }

        var views = new[] { await ecu.GetAsync(), await _cms.Client.GetGrain<IEcuGrain>(_target!.Spec.Mac!).GetAsync() };
        var (lost, details) = await LossCheck.CheckAsync(_cms.Client, views, acknowledged, readBack: true);
        details.ToList().ForEach(Console.Error.WriteLine);
        var programs = _isolatedPrograms;
        var spans = _sampler.FrozenSpans.Where(s => s.From >= cutAt && programs.Contains(s.Program)).ToList();
        double? frozenMs = spans.Count == 0 ? null : (spans.Max(s => s.To) - spans.Min(s => s.From)).TotalMilliseconds;
        if (declaredFailed)
        {
            await ReplaceAgentsAsync();
        }

        return new CutResult(kind, cutMs, frozenMs, declaredFailed && kind != CutKind.Long, lost);
    }

    public async ValueTask DisposeAsync()
    {
        await _sampler.DisposeAsync();
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
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
