using OrleansCms.Checkpoints;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Standby;

/// <summary>Warm standbys on the two-silo cluster, with ECUs played by the test that keep standbys as an agent does.</summary>
[Collection(RestorationClusterCollection.Name)]
public sealed class WarmStandbyTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task StandbyProgram_OnlyNewChunksFlowToItsStandby_AndARestoreThereReadsNothingFromTheCms()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var standby = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        var key = await StandbyProgramAsync(source, standby);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(1 << 20, seed: 11), version: 1);
        await OfferAsync(key, v1);
        await WarmAsync(standby, key, version: 1);

        var sentBefore = standby.StandbyUpdates.Count;
        var v2 = TestCheckpoint.Create(TestCheckpoint.Dirty(v1.Payload, 0.05, seed: 12), version: 2);
        await OfferAsync(key, v2);
        await WarmAsync(standby, key, version: 2);

        var sent = standby.StandbyUpdates.Skip(sentBefore).SelectMany(u => u.Chunks).Select(c => c.Sha256).ToList();
        var changed = v2.Manifest.Chunks.Select(c => c.Sha256).Except(v1.Manifest.Chunks.Select(c => c.Sha256)).ToHashSet();
        Assert.NotEmpty(changed);
        Assert.True(changed.Count < v2.Manifest.Chunks.Length / 2, $"{changed.Count} of {v2.Manifest.Chunks.Length} chunks changed");
        Assert.Equal(changed.Order(), sent.Order());

        var read = RestoreThroughStandbyCache(standby, v2.Payload);
        var restoration = await FailAsync(source);

        var item = Assert.Single(restoration.Programs);
        Assert.Equal((RestorationOutcome.Running, standby.Mac), (item.Outcome, item.TargetMac));
        var reading = await read.Task;
        Assert.Equal((new GrantedRead(true, v2.Manifest.Chunks.Length, 0), true), reading);
    }

    [Fact]
    public async Task StandbyThatLostItsCache_TheRestoreThereReadsEveryChunkFromTheCms_ByteExact()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var standby = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        var (key, v1) = await WarmProgramAsync(source, standby, seed: 21);
        standby.Standbys.Drop(key); // the standby's agent restarted, say

        var read = RestoreThroughStandbyCache(standby, v1.Payload);
        var item = Assert.Single((await FailAsync(source)).Programs);

        Assert.Equal((RestorationOutcome.Running, standby.Mac), (item.Outcome, item.TargetMac));
        Assert.Equal((new GrantedRead(true, 0, v1.Manifest.Chunks.Length), true), await read.Task);
    }

    [Fact]
    public async Task StandbyEcuFailedFirst_TheProgramIsRestoredElsewhere_ByteExact()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var standby = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        var (key, v1) = await WarmProgramAsync(source, standby, seed: 31);
        await using var spare = await FakeEcu.StartAsync(Client, cpuLoad: 0.5);
        var read = RestoreThroughStandbyCache(spare, v1.Payload);
        standby.OnRestore = _ => throw new InvalidOperationException("the failed standby was sent a restore");
        await FailAsync(standby);

        var item = Assert.Single((await FailAsync(source)).Programs);

        Assert.Equal((RestorationOutcome.Running, spare.Mac), (item.Outcome, item.TargetMac));
        var (reading, byteExact) = await read.Task;
        Assert.True(reading.Verified && byteExact);
        Assert.Equal(v1.Manifest.Chunks.Length, reading.LocalChunks + reading.RemoteChunks);
        Assert.Empty(standby.Restores);
    }

    /// <summary>Registers a standby program on <paramref name="source"/> and waits until the CMS planned <paramref name="standby"/> for it.</summary>
    private async Task<CheckpointKey> StandbyProgramAsync(FakeEcu source, FakeEcu standby)
    {
        var id = await source.AddProgramAsync("warm", standby: true);
        await Eventually.ReturnsAsync(() => source.Grain.FindProgramAsync(id), p => p?.StandbyMac == standby.Mac, Patience,
            $"the standby of program {id} is planned on {standby.Mac}");
        return new CheckpointKey(source.Mac, id);
    }

    /// <summary>A standby program of <paramref name="source"/> with one checkpoint of 600 kB, held complete by <paramref name="standby"/>.</summary>
    private async Task<(CheckpointKey Key, TestCheckpoint V1)> WarmProgramAsync(FakeEcu source, FakeEcu standby, int seed)
    {
        var key = await StandbyProgramAsync(source, standby);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(600_000, seed), version: 1);
        await OfferAsync(key, v1);
        await WarmAsync(standby, key, version: 1);
        return (key, v1);
    }

    private async Task OfferAsync(CheckpointKey key, TestCheckpoint checkpoint) =>
        Assert.True((await fixture.OfferAsync(Client.GetGrain<ICheckpointGrain>(key.ToString()), checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks))).IsAcknowledged);

    private static Task WarmAsync(FakeEcu standby, CheckpointKey key, long version) =>
        Eventually.TrueAsync(() => Task.FromResult(standby.Standbys.Programs.GetValueOrDefault(key) == version), Patience,
            $"{standby.Mac} holds all of {key} v{version}");

    /// <summary>
    /// Makes <paramref name="target"/> restore as an agent does (the standby's chunks locally, the rest from the CMS
    /// under the command's grant); completes with how the read went and whether it gave <paramref name="expected"/>.
    /// </summary>
    private static TaskCompletionSource<(GrantedRead Read, bool ByteExact)> RestoreThroughStandbyCache(FakeEcu target, byte[] expected)
    {
        var read = new TaskCompletionSource<(GrantedRead, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
        target.OnRestore = async command =>
        {
            var grain = target.Grains.GetGrain<IRestoreSourceGrain>(command.Source.ToString());
            using var payload = new MemoryStream();
            var reading = await CheckpointReader.ReadGrantedAsync(grain, command.Grant!, command.Manifest, payload, hash => target.Standbys.Find(command.Source, hash));
            read.TrySetResult((reading, payload.ToArray().AsSpan().SequenceEqual(expected)));
            var result = await target.RegisterProgramAsync(command);
            target.Standbys.Drop(command.Source);
            return result;
        };
        return read;
    }

    private async Task<RestorationView> FailAsync(FakeEcu ecu)
    {
        await ecu.StopHeartbeatsAsync();
        var epoch = await ecu.Grain.DeclareFailedAsync("test");
        var view = await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>($"failure:{ecu.Mac}:{epoch}").GetAsync(),
            v => v?.FinishedAt is not null, TimeSpan.FromSeconds(60), $"the restoration of {ecu.Mac} finished");
        return view!;
    }
}
