using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// Checkpoints that are needed no more are released after <see cref="ClusterFixture.ReleaseAfter"/>: their rows leave
/// PostgreSQL (a chunk a live program shares stays), and a claimed program keeps its claim.
/// </summary>
[Collection(ReleaseClusterCollection.Name)]
public sealed class CheckpointReleaseTests(ClusterFixture fixture)
{
    private const int ChunkSize = TestCheckpoint.ChunkSize;

    // The window, a reminder period or two, a collector pass and a loaded machine's slack.
    private static readonly TimeSpan ReleaseBound = ClusterFixture.ReleaseAfter + TimeSpan.FromSeconds(30);

    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task Claimed_RestorationFinished_RowsGoneAfterTheWindow_ButAClaimOfAnUnfinishedRestorationKeepsThem()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client);

        // Claimed first, by a restoration that may start no copy for an hour: it stays unfinished all along.
        var held = await StoredAsync(new CheckpointKey(ClusterFixture.NewMac(), 1), UniquePayload());
        var unfinished = $"release-test-unfinished:{held.Key.Mac}";
        await Client.GetGrain<IRestorationGrain>(unfinished).StartAsync(new RestorationRequest(
            RestorationKind.Failure, held.Key.Mac, [new ProgramEntry(held.Key.ProgramId, new ProgramInfo("held", 32L << 20), null, DateTimeOffset.UtcNow)],
            "release test", NotBefore: DateTimeOffset.UtcNow.AddHours(1)));
        await Eventually.TrueAsync(async () => (await Grain(held.Key).GetStatusAsync()).Claimant == unfinished,
            TimeSpan.FromSeconds(30), "the unfinished restoration claimed its program");

        var id = await source.AddProgramAsync("restored");
        var restored = await StoredAsync(new CheckpointKey(source.Mac, id), UniquePayload());
        var restoration = await FailAsync(source);
        var item = Assert.Single(restoration.Programs);
        Assert.Equal(RestorationOutcome.Running, item.Outcome);

        // The copy checkpoints on its own, so nothing will read the claimed checkpoints again.
        await StoredAsync(new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value), UniquePayload());

        await Eventually.TrueAsync(async () => await RowsAsync(restored) == (0, 0), ReleaseBound, "the finished restoration's program lost its rows");
        var status = await Grain(restored.Key).GetStatusAsync();
        Assert.Empty(status.Versions);
        Assert.NotNull(status.ReleasedAt);
        Assert.Equal(restoration.Id, status.Claimant);

        Assert.Equal((held.Chunks, held.Chunks), await RowsAsync(held));
        var kept = await Grain(held.Key).GetStatusAsync();
        Assert.Null(kept.ReleasedAt);
        Assert.Null(kept.ReleaseDueAt);
        Assert.Single(kept.Versions);
    }

    [Fact]
    public async Task Claimed_CopyWithoutACheckpointOfItsOwn_KeepsThemUntilItHasOne()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client);
        var id = await source.AddProgramAsync("origin");
        var origin = await StoredAsync(new CheckpointKey(source.Mac, id), UniquePayload());
        var item = Assert.Single((await FailAsync(source)).Programs);
        var copy = new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value);

        // Its release falls due a window after the restoration finished; two reminder periods later it would have happened.
        await Eventually.TrueAsync(async () => (await Grain(origin.Key).GetStatusAsync()).ReleaseDueAt + 2 * ClusterFixture.ReleaseCheckInterval < DateTimeOffset.UtcNow,
            ReleaseBound, "two release checks passed after the origin's release fell due");

        // The copy would be restored from its origin if it crashed now.
        Assert.Single((await Grain(origin.Key).GetStatusAsync()).Versions);
        Assert.Equal((origin.Chunks, origin.Chunks), await RowsAsync(origin));

        await StoredAsync(copy, UniquePayload());
        await Eventually.TrueAsync(async () => await RowsAsync(origin) == (0, 0), ReleaseBound, "the origin was released once its copy had a checkpoint");
    }

    [Fact]
    public async Task Stopped_ReleasedAfterTheWindow_ButAChunkSharedWithALiveProgramSurvives()
    {
        await using var ecu = await FakeEcu.StartAsync(Client);
        var shared = UniquePayload()[..ChunkSize];
        var live = await StoredAsync(new CheckpointKey(ClusterFixture.NewMac(), 1), [.. shared, .. UniquePayload()]);
        var id = await ecu.AddProgramAsync("stopped");
        var stopped = await StoredAsync(new CheckpointKey(ecu.Mac, id), [.. shared, .. UniquePayload()]);
        Assert.Equal(live.Checkpoint.Manifest.Chunks[0].Sha256, stopped.Checkpoint.Manifest.Chunks[0].Sha256);
        Assert.Equal(stopped.Checkpoint.Manifest.TotalSize, await EcuBytesAsync(ecu.Mac));

        await ecu.Grain.EndProgramAsync(id, ProgramEntryStatus.Stopped, "release test");

        await Eventually.TrueAsync(async () => await RowsAsync(stopped) == (0, 1), ReleaseBound,
            "the stopped program lost its references and every chunk but the shared one");
        var status = await Grain(stopped.Key).GetStatusAsync();
        Assert.Empty(status.Versions);
        Assert.NotNull(status.ReleasedAt);
        Assert.Null(status.Claimant);
        Assert.Equal(live.Checkpoint.Payload, await ClusterFixture.ReadPayloadAsync(Grain(live.Key), 1));
        Assert.Equal((live.Chunks, live.Chunks), await RowsAsync(live));
        await Eventually.TrueAsync(async () => await EcuBytesAsync(ecu.Mac) == 0, ReleaseBound, "the released bytes left the ECU's storage count");
        Assert.Equal(live.Checkpoint.Manifest.TotalSize, await EcuBytesAsync(live.Key.Mac));
    }

    [Fact]
    public async Task Released_KeepsItsClaim_RefusesAnotherClaimOffersAndReads()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client);
        var id = await source.AddProgramAsync("claimed");
        var claimed = await StoredAsync(new CheckpointKey(source.Mac, id), UniquePayload());
        var restoration = await FailAsync(source);
        var item = Assert.Single(restoration.Programs);
        await StoredAsync(new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value), UniquePayload());
        var grain = Grain(claimed.Key);
        await Eventually.TrueAsync(async () => (await grain.GetStatusAsync()).ReleasedAt is not null, ReleaseBound, "the claimed checkpoints were released");

        var other = await grain.ClaimAsync($"another-restoration:{source.Mac}");
        Assert.False(other.Granted);
        Assert.Equal(restoration.Id, other.Holder);
        Assert.Empty(other.Versions);
        var again = await grain.ClaimAsync(restoration.Id);
        Assert.True(again.Granted);
        Assert.Empty(again.Versions);

        var next = TestCheckpoint.Create(UniquePayload(), version: 2);
        var offer = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(grain, next.Manifest, new RecordingChunkSource(next.Chunks)));
        Assert.Equal(RejectReason.Retired, offer.Reason);
        var read = await Assert.ThrowsAsync<CheckpointRejectedException>(async () =>
        {
            await foreach (var _ in grain.ReadChunksAsync(1))
            {
            }
        });
        Assert.Equal(RejectReason.Released, read.Reason);
        Assert.Empty(await grain.GetVersionsAsync());
        await Eventually.TrueAsync(async () => await RowsAsync(claimed) == (0, 0), ReleaseBound, "the collector deleted the released chunks");
    }

    [Fact]
    public async Task Released_Unclaimed_RefusesEveryClaimAndOffer()
    {
        await using var ecu = await FakeEcu.StartAsync(Client);
        var id = await ecu.AddProgramAsync("abandoned");
        var program = await StoredAsync(new CheckpointKey(ecu.Mac, id), UniquePayload());
        await ecu.Grain.RetireAsync("release test");
        var grain = Grain(program.Key);
        await Eventually.TrueAsync(async () => (await grain.GetStatusAsync()).ReleasedAt is not null, ReleaseBound, "the abandoned program's checkpoints were released");

        var claim = await grain.ClaimAsync($"late-restoration:{ecu.Mac}");
        Assert.False(claim.Granted);
        Assert.Empty(claim.Versions);
        Assert.Null((await grain.GetStatusAsync()).Claimant);
        var next = TestCheckpoint.Create(UniquePayload(), version: 2);
        var offer = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(grain, next.Manifest, new RecordingChunkSource(next.Chunks)));
        Assert.Equal(RejectReason.Released, offer.Reason);
    }

    [Fact]
    public void Ended_OnlyStoppedRetiredOrAbandoned()
    {
        var now = DateTimeOffset.UtcNow;
        var entry = new ProgramEntry(1, new ProgramInfo("p", 1), null, now.AddHours(-1));
        Assert.Null(CheckpointRelease.Ended(null, now));
        Assert.Null(CheckpointRelease.Ended(entry, now));
        Assert.Null(CheckpointRelease.Ended(entry with { Status = ProgramEntryStatus.Crashed, EndedAt = now }, now));
        foreach (var status in new[] { ProgramEntryStatus.Stopped, ProgramEntryStatus.Retired, ProgramEntryStatus.Abandoned })
        {
            Assert.Equal(now.AddMinutes(-5), CheckpointRelease.Ended(entry with { Status = status, EndedAt = now.AddMinutes(-5) }, now));
        }
    }

    /// <summary>Two chunks of random bytes no other test stores.</summary>
    private static byte[] UniquePayload() => TestCheckpoint.RandomPayload(2 * ChunkSize, Random.Shared.Next());

    private ICheckpointGrain Grain(CheckpointKey key) => Client.GetGrain<ICheckpointGrain>(key.ToString());

    private async Task<Stored> StoredAsync(CheckpointKey key, byte[] payload)
    {
        var checkpoint = TestCheckpoint.Create(payload, version: 1);
        var result = await fixture.OfferAsync(Grain(key), checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));
        Assert.True(result.IsAcknowledged);
        return new Stored(key, checkpoint);
    }

    /// <summary>The program's reference rows, and how many of its chunks PostgreSQL still holds.</summary>
    private async Task<(long References, long Chunks)> RowsAsync(Stored stored)
    {
        var hashes = stored.Checkpoint.Manifest.Chunks.Select(c => Convert.FromHexString(c.Sha256)).Distinct().ToArray();
        return (
            await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1", stored.Key.ToString()),
            await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunks WHERE sha256 = ANY($1)", [hashes]));
    }

    /// <summary>What the ECU's storage quota counts against it (<c>Cms:Ingest:MaxBytesPerEcu</c>).</summary>
    private Task<long> EcuBytesAsync(string mac) =>
        fixture.Database.ScalarAsync<long>("SELECT coalesce((SELECT bytes FROM cms_ecu_usage WHERE mac = $1), 0)", mac);

    private async Task<RestorationView> FailAsync(FakeEcu ecu)
    {
        await ecu.StopHeartbeatsAsync();
        var epoch = await ecu.Grain.DeclareFailedAsync("release test");
        var id = $"failure:{ecu.Mac}:{epoch}";
        return (await Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>(id).GetAsync(), v => v?.FinishedAt is not null,
            TimeSpan.FromSeconds(60), $"restoration {id} finished"))!;
    }

    private sealed record Stored(CheckpointKey Key, TestCheckpoint Checkpoint)
    {
        public long Chunks => Checkpoint.Manifest.Chunks.Length;
    }
}
