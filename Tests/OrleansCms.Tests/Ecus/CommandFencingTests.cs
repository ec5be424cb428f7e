using Orleans.Core.Internal;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>
/// Fencing tokens on the two-silo cluster: the ECU's grain refuses a restore command older than one it registered for
/// the same logical program, durably, even when the agent (a fake that remembers nothing) would start it.
/// </summary>
[Collection(EcuClusterCollection.Name)]
public sealed class CommandFencingTests(ClusterFixture fixture)
{
    private const long MiB = 1L << 20;

    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task StaleRestore_AfterANewerOneRegistered_RefusedAndStartsNothing_AlsoAfterTheGrainIsDeactivated()
    {
        await using var ecu = await FakeEcu.StartAsync(Client);
        var root = new CheckpointKey(ClusterFixture.NewMac(), 3).ToString();
        var newer = Command(root, "newer", new FencingToken(2, 7));
        var older = Command(root, "older", new FencingToken(2, 6));
        var started = await ecu.RestoreAsync(newer);

        var refused = await Assert.ThrowsAsync<RestoreRefusedException>(() => ecu.RestoreAsync(older));
        Assert.Equal(RestoreRefusal.Stale, refused.Refusal);
        Assert.Equal(started, await ecu.RestoreAsync(newer)); // the same command again: the same program

        await ecu.Grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(500);
        refused = await Assert.ThrowsAsync<RestoreRefusedException>(() => ecu.RestoreAsync(older));
        Assert.Equal(RestoreRefusal.Stale, refused.Refusal);
        Assert.Equal(started, await ecu.RestoreAsync(newer));

        var copies = (await ecu.Grain.GetAsync()).Catalogue.Where(p => p.Root(ecu.Mac) == root).ToList();
        Assert.Equal(started.ProgramId, Assert.Single(copies).ProgramId);
    }

    [Fact]
    public async Task RestorationOfAnOlderGeneration_TargetRefusesItAsStale_SentNowhereElse()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client, ramMb: 16_384);
        var root = new CheckpointKey(ClusterFixture.NewMac(), 1).ToString();
        await target.RestoreAsync(Command(root, "newer generation", new FencingToken(5, 1)));

        // A copy of the same logical program on the source, restored by an older decision (generation 1).
        var origin = new ProgramOrigin(CheckpointKey.Parse(root), 1, "older generation", root, new FencingToken(1, 1));
        var id = await source.Grain.AddProgramAsync(new ProgramEntry(0, new ProgramInfo("fenced", 6000 * MiB), origin, DateTimeOffset.UtcNow));
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(100_000, seed: 7), version: 1, name: "fenced");
        Assert.True((await fixture.OfferAsync(Client.GetGrain<ICheckpointGrain>(new CheckpointKey(source.Mac, id).ToString()),
            checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks))).IsAcknowledged);

        await source.StopHeartbeatsAsync();
        var epoch = await source.Grain.DeclareFailedAsync("test");
        var restoration = await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>($"failure:{source.Mac}:{epoch}").GetAsync()!,
            v => v?.FinishedAt is not null, TimeSpan.FromSeconds(60), "the restoration finished");

        var item = Assert.Single(restoration!.Programs);
        Assert.Equal(RestorationOutcome.HandedOver, item.Outcome);
        Assert.Equal(new FencingToken(2, 1), item.Token);
        Assert.StartsWith("superseded", item.Detail, StringComparison.Ordinal);
        Assert.Equal(2, target.Restores.Count); // the newer command, and the stale one once
        Assert.Single((await target.Grain.GetAsync()).Catalogue, p => p.Root(target.Mac) == root);
    }

    private static RestoreCommand Command(string root, string commandId, FencingToken token)
    {
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(1000, seed: 1), version: 1, name: "fenced");
        return new RestoreCommand(commandId, CheckpointKey.Parse(root), checkpoint.Manifest, root, Token: token);
    }
}
