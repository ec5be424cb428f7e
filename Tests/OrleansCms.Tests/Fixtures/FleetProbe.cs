using OrleansCms.Api;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.SampleProgram;
using OrleansCms.Restoration;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// What tests read off a running CMS: sample-program counters, restorations and the program lineage. The tests
/// that use it kill silos, so its waits retry a call that meets a silo that just died.
/// </summary>
public static class FleetProbe
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The sample program's state in a stored version.</summary>
    public static async Task<SampleState> StateAsync(IGrainFactory grains, string key, long version) =>
        SampleState.Parse(await ClusterFixture.ReadPayloadAsync(grains.GetGrain<ICheckpointGrain>(key), version));

    /// <summary>The newest stored version and its state; read again when ingest pruned it in between.</summary>
    public static Task<(long Version, SampleState State)> NewestStateAsync(IGrainFactory grains, string key) =>
        Eventually.ReturnsAsync(async () =>
        {
            var version = (await grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync())[0].Version;
            return (version, await StateAsync(grains, key, version));
        }, _ => true, Patience, $"the newest checkpoint of {key} is read back", Transient.Any(Transient.SiloLost, Transient.VersionPruned));

    /// <summary>
    /// Per program key, the newest version the CMS has stored: what it holds now, unlike an agent's output, which the
    /// test may read late (a line of an acknowledgement given before a fault can arrive after it).
    /// </summary>
    public static async Task<Dictionary<string, long>> NewestStoredAsync(IGrainFactory grains, IEnumerable<string> keys)
    {
        var newest = new Dictionary<string, long>();
        foreach (var key in keys)
        {
            newest[key] = await Eventually.ReturnsAsync(async () => (await grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync())[0].Version,
                _ => true, Patience, $"the stored versions of {key} are read", Transient.SiloLost);
        }

        return newest;
    }

    /// <summary>Waits until each program of <paramref name="since"/> has stored <paramref name="more"/> versions beyond it.</summary>
    public static Task WaitForNewerAsync(IGrainFactory grains, IReadOnlyDictionary<string, long> since, int more, string what) =>
        Eventually.TrueAsync(async () => (await NewestStoredAsync(grains, since.Keys)).All(p => p.Value >= since[p.Key] + more),
            Patience, what, Transient.SiloLost);

    /// <summary>Waits until every active program of the ECU has at least <paramref name="versions"/> stored versions.</summary>
    public static Task<EcuView> WaitForCheckpointsAsync(IGrainFactory grains, string mac, int versions) =>
        Eventually.ReturnsAsync(() => grains.GetGrain<IEcuGrain>(mac).GetAsync(),
            view => view.Programs.Count > 0 && view.Programs.All(p => p.LastAcknowledgedVersion >= versions),
            Patience, $"every program of {mac} has {versions} acknowledged checkpoints", Transient.SiloLost);

    public static Task<RestorationView> WaitFinishedAsync(IGrainFactory grains, string id) =>
        Eventually.ReturnsAsync(() => grains.GetGrain<IRestorationGrain>(id).GetAsync()!, v => v?.FinishedAt is not null,
            Patience, $"restoration {id} finished", Transient.SiloLost)!;

    public static async Task<IReadOnlyList<LogicalProgram>> ProgramsAsync(IGrainFactory grains) =>
        await ProgramsAsync(grains, await grains.GetGrain<IFleetGrain>(0).ListKnownAsync());

    /// <summary>The logical programs of <paramref name="macs"/> (every ECU a program ran on must be among them).</summary>
    public static async Task<IReadOnlyList<LogicalProgram>> ProgramsAsync(IGrainFactory grains, IEnumerable<string> macs) =>
        ProgramLineage.Build(await Task.WhenAll(macs.Distinct().Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync())));

    /// <summary>
    /// Asserts that the restored copy started exactly from the restored checkpoint: a checkpoint the copy took
    /// itself (version 2 on; version 1 is the restored bytes) says it was restored from that checkpoint's counter.
    /// </summary>
    public static async Task AssertContinuesAsync(IGrainFactory grains, RestorationItem item)
    {
        Assert.Equal(RestorationOutcome.Running, item.Outcome);
        var restoredFrom = await StateAsync(grains, item.ReadFrom!, item.Version!.Value);
        var newKey = new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value).ToString();
        var first = await Eventually.ReturnsAsync(() => grains.GetGrain<ICheckpointGrain>(newKey).GetVersionsAsync(),
            v => v.Count > 0 && v[0].Version >= 2, Patience, $"{newKey} has taken a checkpoint of its own", Transient.SiloLost);
        var newest = await StateAsync(grains, newKey, first[0].Version);
        Assert.Equal(restoredFrom.Counter, newest.RestoredFrom);
        Assert.True(newest.Counter >= restoredFrom.Counter, $"{newKey} counts on from {restoredFrom.Counter}, not {newest.Counter}");
    }

    /// <summary>The newest version of <paramref name="programId"/> the ECU reported acknowledged; 0 when it reported none.</summary>
    public static long AcknowledgedVersion(EcuView ecu, int programId) =>
        ecu.Programs.FirstOrDefault(p => p.ProgramId == programId)?.LastAcknowledgedVersion ?? 0;
}
