using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>The restoration's exactly-once rules on the two-silo cluster, with ECUs played by the test.</summary>
[Collection(RestorationClusterCollection.Name)]
public sealed class RestorationGrainTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task TargetRefuses_TheNextBestTargetRunsIt_AndNothingElse()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var eager = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        await using var spare = await FakeEcu.StartAsync(Client, cpuLoad: 0.6);
        eager.OnRestore = _ => throw new RestoreRefusedException(RestoreRefusal.StartFailed, "the program's binary is missing");
        await CheckpointedProgramAsync(source, "refused");

        var restoration = await FailAsync(source);

        var item = Assert.Single(restoration.Programs);
        Assert.Equal(RestorationOutcome.Running, item.Outcome);
        Assert.Equal(spare.Mac, item.TargetMac);
        Assert.Equal(2, item.Attempts);
        Assert.Single(eager.Restores);
        Assert.Single(spare.Restores);
        Assert.Contains(item.Events!, e => e.Contains("binary is missing", StringComparison.Ordinal));
        var retired = (await source.Grain.GetAsync()).Catalogue.Single();
        Assert.Equal(ProgramEntryStatus.Retired, retired.Status);
        Assert.Equal(new CheckpointKey(spare.Mac, item.NewProgramId!.Value).ToString(), retired.Successor);
    }

    [Fact]
    public async Task TargetDiesAfterRegisteringTheCopy_ItsOwnRestorationRestoresTheCopy_OnceFromItsOrigin()
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
        var key = await CheckpointedProgramAsync(source, "orphan");

        var first = await FailAsync(source);
        var handedOver = Assert.Single(first.Programs);
        Assert.Equal(RestorationOutcome.HandedOver, handedOver.Outcome);
        Assert.Equal(doomed.Mac, handedOver.TargetMac);

        // The dead target's own restoration restores the copy it had registered, from that copy's origin.
        var second = await FleetWaitAsync($"failure:{doomed.Mac}:1");
        var restored = Assert.Single(second.Programs);
        Assert.Equal(RestorationOutcome.Running, restored.Outcome);
        Assert.Equal(spare.Mac, restored.TargetMac);
        Assert.Equal(key.ToString(), restored.ReadFrom);
        var command = Assert.Single(spare.Restores);
        Assert.Equal(key, command.Source);
        Assert.Equal(key.ToString(), command.Root);
    }

    [Fact]
    public async Task TwoRestorationsOfTheSamePrograms_AtOnce_EachProgramRunsOnce()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client, ramMb: 4096);
        for (var i = 0; i < 5; i++)
        {
            await CheckpointedProgramAsync(source, $"p{i}");
        }

        var programs = (await source.Grain.GetAsync()).Catalogue;
        await source.StopHeartbeatsAsync();
        var request = new RestorationRequest(RestorationKind.Failure, source.Mac, programs, "race");
        await Task.WhenAll(
            Client.GetGrain<IRestorationGrain>($"race-a:{source.Mac}").StartAsync(request),
            Client.GetGrain<IRestorationGrain>($"race-b:{source.Mac}").StartAsync(request));

        var a = await FleetWaitAsync($"race-a:{source.Mac}");
        var b = await FleetWaitAsync($"race-b:{source.Mac}");
        var all = a.Programs.Concat(b.Programs).ToList();
        Assert.Equal(5, all.Count(i => i.Outcome == RestorationOutcome.Running));
        Assert.Equal(5, all.Count(i => i.Outcome == RestorationOutcome.HandedOver));
        // One command per program; a command repeated after a slow answer carries the same id, which the target dedupes.
        Assert.Equal(5, target.Restores.Select(c => c.CommandId).Distinct().Count());
        Assert.Equal(5, target.Restores.Select(c => c.Source).Distinct().Count());
        Assert.Equal(5, (await target.Grain.GetAsync()).Catalogue.Count(p => p.Status == ProgramEntryStatus.Active));
    }

    [Fact]
    public async Task Migration_NoTargetHasRoom_TheSourceKeepsCheckpointingUnclaimed_ThenMovesOnceATargetAppears()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        var id = await source.Grain.AddProgramAsync(new ProgramEntry(0, new ProgramInfo("big", 6000L << 20), null, DateTimeOffset.UtcNow));
        var key = new CheckpointKey(source.Mac, id);
        var grain = Client.GetGrain<ICheckpointGrain>(key.ToString());
        await OfferAsync(grain, version: 1);

        var migration = await source.Grain.RequestMigrationAsync(id, targetMac: null);
        for (var version = 2; version <= 4; version++)
        {
            await Task.Delay(700); // several rounds of the migration, which finds no ECU with room
            await OfferAsync(grain, version); // accepted: nothing claimed the program
        }

        var waiting = Assert.Single((await Client.GetGrain<IRestorationGrain>(migration).GetAsync())!.Programs);
        Assert.Equal(RestorationOutcome.Pending, waiting.Outcome);
        Assert.Null(waiting.ClaimedAt);
        Assert.Equal(4L, (await grain.GetVersionsAsync())[0].Version);

        await using var roomy = await FakeEcu.StartAsync(Client, ramMb: 16_384);
        var moved = Assert.Single((await FleetWaitAsync(migration)).Programs);

        Assert.Equal((RestorationOutcome.Running, roomy.Mac), (moved.Outcome, moved.TargetMac));
        Assert.Equal(4L, Assert.Single(roomy.Restores).Manifest.Version);
        Assert.Equal(id, Assert.Single(source.Stops).ProgramId);
        var rejected = await Assert.ThrowsAsync<CheckpointRejectedException>(() => OfferAsync(grain, version: 5));
        Assert.Equal(RejectReason.Retired, rejected.Reason);
    }

    /// <summary>Registers a program on the ECU and stores one checkpoint of it.</summary>
    private async Task<CheckpointKey> CheckpointedProgramAsync(FakeEcu ecu, string name)
    {
        var id = await ecu.AddProgramAsync(name);
        var key = new CheckpointKey(ecu.Mac, id);
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: id + 1), version: 1, name: name);
        var result = await fixture.OfferAsync(Client.GetGrain<ICheckpointGrain>(key.ToString()), checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));
        Assert.True(result.IsAcknowledged);
        return key;
    }

    private async Task OfferAsync(ICheckpointGrain grain, long version)
    {
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(50_000, seed: (int)version), version, name: "big");
        Assert.True((await fixture.OfferAsync(grain, checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks))).IsAcknowledged);
    }

    private async Task<RestorationView> FailAsync(FakeEcu ecu)
    {
        await ecu.StopHeartbeatsAsync();
        var epoch = await ecu.Grain.DeclareFailedAsync("test");
        return await FleetWaitAsync($"failure:{ecu.Mac}:{epoch}");
    }

    private Task<RestorationView> FleetWaitAsync(string id) =>
        Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>(id).GetAsync()!, v => v?.FinishedAt is not null,
            TimeSpan.FromSeconds(60), $"restoration {id} finished")!;
}
