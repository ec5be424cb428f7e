using System.Diagnostics;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>Agents that die while the restoration waits on them, with ECUs played by the test on the two-silo cluster.</summary>
[Collection(RestorationClusterCollection.Name)]
public sealed class AgentFaultTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Lease = new LivenessOptions().Lease;

    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task TargetHangsAndDies_RestorationStopsWaitingOnceItIsDeclaredFailed_ProgramRunsOnTheSpare()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var doomed = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        await using var spare = await FakeEcu.StartAsync(Client, cpuLoad: 0.6);
        var hanging = Stopwatch.StartNew();
        doomed.OnRestore = async command =>
        {
            // The agent dies in the middle of the restore: it never answers, and its heartbeats stop.
            hanging.Restart();
            _ = doomed.StopHeartbeatsAsync();
            await Task.Delay(TimeSpan.FromMinutes(2));
            throw new TimeoutException("never answered");
        };
        await RestorationTestPrograms.CheckpointedAsync(fixture, source, "hung");

        await source.StopHeartbeatsAsync();
        var epoch = await source.Grain.DeclareFailedAsync("test");
        var restoration = await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>($"failure:{source.Mac}:{epoch}").GetAsync(),
            v => v?.FinishedAt is not null, TimeSpan.FromSeconds(60), "the restoration finished");

        // Declared failed after one lease; the restoration notices within a poll and a round, not after Orleans' 30 s.
        Assert.True(hanging.Elapsed < Lease + TimeSpan.FromSeconds(5), $"the restoration waited {hanging.Elapsed.TotalSeconds:0.0} s on a dead target");
        var item = Assert.Single(restoration!.Programs);
        Assert.Equal(RestorationOutcome.Running, item.Outcome);
        Assert.Equal(spare.Mac, item.TargetMac);
        Assert.Single(doomed.Restores);
        Assert.Single(spare.Restores);
    }

    [Fact]
    public async Task MigrationTargetRegistersTheCopyThenDies_TheSourceCopyIsStillStopped()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var doomed = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        await using var spare = await FakeEcu.StartAsync(Client, cpuLoad: 0.6);
        doomed.OnRestore = async command =>
        {
            await doomed.RegisterProgramAsync(command); // registered, then the ECU dies before answering
            _ = doomed.StopHeartbeatsAsync();
            throw new TimeoutException("no answer");
        };
        var key = await RestorationTestPrograms.CheckpointedAsync(fixture, source, "moved");

        var id = await source.Grain.RequestMigrationAsync(key.ProgramId, doomed.Mac);
        var migration = await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>(id).GetAsync(),
            v => v?.FinishedAt is not null, TimeSpan.FromSeconds(60), "the migration finished");

        var item = Assert.Single(migration!.Programs);
        Assert.Equal(RestorationOutcome.HandedOver, item.Outcome);
        Assert.True(item.SourceStopped);
        var stop = Assert.Single(source.Stops);
        Assert.Equal(key.ProgramId, stop.ProgramId);
        Assert.Equal(new CheckpointKey(doomed.Mac, item.NewProgramId!.Value), stop.Successor);

        // The copy the dead target registered lives on through that target's own restoration: one copy in all.
        var second = await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>($"failure:{doomed.Mac}:1").GetAsync(),
            v => v?.FinishedAt is not null, TimeSpan.FromSeconds(60), "the dead target's restoration finished");
        var restored = Assert.Single(second!.Programs);
        Assert.Equal(RestorationOutcome.Running, restored.Outcome);
        Assert.Contains(restored.TargetMac, new[] { source.Mac, spare.Mac });
        var sourceEntry = (await source.Grain.GetAsync()).Catalogue.Single(p => p.ProgramId == key.ProgramId);
        Assert.Equal(ProgramEntryStatus.Retired, sourceEntry.Status);
        Assert.Equal(new CheckpointKey(doomed.Mac, item.NewProgramId!.Value).ToString(), sourceEntry.Successor);
    }
}
