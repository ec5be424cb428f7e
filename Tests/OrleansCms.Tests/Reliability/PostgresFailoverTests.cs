using System.Diagnostics;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Restoration;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// The replicated database (<c>./cms up --ha</c>): the PostgreSQL primary is SIGKILLed while agents checkpoint and
/// just as a failed ECU's restoration begins. pg_auto_failover promotes the synchronous standby, the silos follow it
/// without a restart, ingest and the restoration finish, and every checkpoint an agent saw acknowledged is read back.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class PostgresFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ReplicatedPostgres _postgres = null!;
    private CmsProcesses _cms = null!;

    public async Task InitializeAsync()
    {
        _postgres = await ReplicatedPostgres.StartAsync();
        _cms = await CmsProcesses.StartAsync(silos: 2, server: _postgres.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        // The replicated server goes even when the CMS's teardown failed (its database cannot be dropped while no
        // node is primary): its processes must not outlive the test.
        try
        {
            await _cms.DisposeAsync();
        }
        finally
        {
            await _postgres.DisposeAsync();
        }
    }

    private IGrainFactory Grains => _cms.Grains;

    [Fact]
    public async Task PrimaryKilledDuringIngestAndARestoration_StandbyTakesOver_NothingAcknowledgedIsLost()
    {
        var failing = await _cms.StartAgentAsync("02:00:00:00:0f:01", 1024,
            EcuFailureRestorationTests.Program("a"), EcuFailureRestorationTests.Program("b"));
        var steady = await _cms.StartAgentAsync("02:00:00:00:0f:02", 1024, EcuFailureRestorationTests.Program("c"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, failing.Mac, versions: 2);
        var steadyKey = new CheckpointKey(steady.Mac, (await FleetProbe.WaitForCheckpointsAsync(Grains, steady.Mac, versions: 2)).Programs.Single().ProgramId).ToString();

        // The ECU dies; the moment the CMS declares it failed, its restoration begins and the primary dies with it.
        failing.Kill();
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(failing.Mac).GetAsync(), v => v.Status == EcuStatus.Failed,
            FleetProbe.Patience, "the killed ECU is declared failed");
        var primary = await _postgres.PrimaryAsync() ?? throw new InvalidOperationException("no PostgreSQL node is primary");
        await _postgres.KillNodeAsync(primary);
        var sinceKill = Stopwatch.StartNew();

        // The monitor promotes the standby; then ingest resumes on it: versions stored after the promotion can only
        // have been written there.
        await Eventually.TrueAsync(async () => await _postgres.PrimaryAsync() is { } now && now != primary, FleetProbe.Patience, $"the standby of node {primary} is promoted");
        output.WriteLine($"node {primary} killed; node {await _postgres.PrimaryAsync()} primary after {sinceKill.ElapsedMilliseconds} ms");
        await FleetProbe.WaitForNewerAsync(Grains, await FleetProbe.NewestStoredAsync(Grains, [steadyKey]), more: 3,
            "the steady ECU's checkpoints are stored again after the failover");
        output.WriteLine($"ingest stored again {sinceKill.ElapsedMilliseconds} ms after the kill");

        // The restoration that the dead primary interrupted finishes: each program once, from its last checkpoint.
        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{failing.Mac}:1");
        output.WriteLine($"restoration finished {sinceKill.ElapsedMilliseconds} ms after the kill");
        Assert.Equal(2, restoration.Programs.Count);
        foreach (var item in restoration.Programs)
        {
            await FleetProbe.AssertContinuesAsync(Grains, item);
        }

        // The old primary comes back as the synchronous standby, and the group is redundant again.
        await _postgres.StartNodeAsync(primary);
        await _postgres.WaitSynchronousAsync();

        // Every acknowledged checkpoint is there: per program, the newest stored version that verifies is at least the
        // newest the agent saw acknowledged (older ones may have been pruned by retention, never newer ones). The
        // programs: two of the failed ECU, the steady one, and the two restored copies on the steady ECU.
        var acknowledged = AgentAcknowledgements.Newest(failing).Concat(AgentAcknowledgements.Newest(steady)).ToList();
        Assert.Equal(5, acknowledged.Count);
        foreach (var (key, version) in acknowledged)
        {
            var (stored, state) = await FleetProbe.NewestStateAsync(Grains, key);
            Assert.True(stored >= version, $"{key}: v{version} was acknowledged, the newest stored is v{stored}");
            Assert.True(state.Counter > 0, $"{key} v{stored} holds no progress");
        }

        output.WriteLine($"acknowledged: {string.Join(", ", acknowledged.Select(a => $"{a.Key} v{a.Value}"))}");
        Assert.All(await FleetProbe.ProgramsAsync(Grains), p => Assert.Equal(1, p.RunningCopies));
        Assert.True(_cms.SiloRunning(0) && _cms.SiloRunning(1), "a silo died in the failover");
    }
}
