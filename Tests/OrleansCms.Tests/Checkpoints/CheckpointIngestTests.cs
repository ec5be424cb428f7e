using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

[Collection(ClusterCollection.Name)]
public sealed class CheckpointIngestTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(TestCheckpoint.ChunkSize - 1)]
    [InlineData(TestCheckpoint.ChunkSize)]
    [InlineData(TestCheckpoint.ChunkSize + 1)]
    [InlineData((1 << 20) + 3)]
    [InlineData(16 << 20)]
    public async Task Offer_PayloadOfSize_ReadsBackByteExact(int size)
    {
        var (grain, _) = NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(size, seed: size), version: 1);

        var result = await OfferAsync(grain, checkpoint);

        Assert.True(result.IsAcknowledged);
        Assert.Equal(checkpoint.Payload, await ReadPayloadAsync(grain, 1));
    }

    [Fact]
    public async Task Offer_SecondVersionWithFivePercentChanged_PullsOnlyTheChangedChunks()
    {
        var (grain, _) = NewProgram();
        var first = TestCheckpoint.Create(TestCheckpoint.RandomPayload(16 << 20, seed: 5), version: 1);
        await OfferAsync(grain, first);
        var second = TestCheckpoint.Create(TestCheckpoint.Dirty(first.Payload, 0.05, seed: 6), version: 2);
        var changed = second.Manifest.Chunks.Select(c => c.Sha256).Except(first.Manifest.Chunks.Select(c => c.Sha256)).ToHashSet();

        var source = new RecordingChunkSource(second.Chunks);
        var result = await OfferAsync(grain, second, source);

        Assert.True(result.IsAcknowledged);
        Assert.Equal(changed.OrderBy(h => h), source.Pulled.OrderBy(h => h));
        Assert.Equal(changed.Sum(h => (long)second.Chunks[h].Data.Length), result.BytesPulled);
        Assert.True(result.BytesPulled < second.Payload.Length / 5, $"pulled {result.BytesPulled} bytes for a 5% change");
        Assert.Equal(second.Payload, await ReadPayloadAsync(grain, 2));
    }

    [Fact]
    public async Task Offer_SameVersionAgain_AcknowledgedWithoutPulling()
    {
        var (grain, _) = NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, seed: 7), version: 4);
        await OfferAsync(grain, checkpoint);

        var source = new RecordingChunkSource(checkpoint.Chunks);
        var again = await OfferAsync(grain, checkpoint, source);

        Assert.True(again.IsAcknowledged);
        Assert.Empty(source.Pulled);
    }

    [Fact]
    public async Task Offer_AcknowledgedThenHostingSiloKilled_ReadsBackFromSurvivor()
    {
        var (grain, _) = NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(2 << 20, seed: 8), version: 1);
        Assert.True((await OfferAsync(grain, checkpoint)).IsAcknowledged);
        var host = await fixture.SiloHostingAsync(grain);

        await fixture.Cluster.KillSiloAsync(host);
        try
        {
            var payload = await Eventually.ReturnsAsync(() => ReadPayloadAsync(grain, 1), p => p.Length > 0, TimeSpan.FromSeconds(30), "the survivor serves the checkpoint", Transient.SiloLost);
            Assert.Equal(checkpoint.Payload, payload);
        }
        finally
        {
            await fixture.RestoreSiloCountAsync();
        }
    }

    [Fact]
    public async Task Offer_HostingSiloKilledMidUpload_RetryFinishesWithoutResendingStoredChunks()
    {
        var (grain, _) = NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(16 << 20, seed: 9), version: 1);
        var hold = new TaskCompletionSource();
        var source = new RecordingChunkSource(checkpoint.Chunks) { Hold = hold.Task, HoldRequest = 2 };
        var reference = fixture.Cluster.Client.CreateObjectReference<IChunkSource>(source);

        var interrupted = grain.OfferAsync(checkpoint.Manifest, reference);
        await source.HeldRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var storedBeforeKill = source.Pulled.Count;
        await fixture.Cluster.KillSiloAsync(await fixture.SiloHostingAsync(grain));
        try
        {
            var lost = await Assert.ThrowsAnyAsync<Exception>(() => interrupted);
            Assert.True(Transient.SiloLost(lost), $"the offer failed for another reason than its silo's death: {lost}");
            hold.SetResult();

            var retrySource = new RecordingChunkSource(checkpoint.Chunks);
            var result = await Eventually.ReturnsAsync(
                () => OfferAsync(grain, checkpoint, retrySource), r => r.IsAcknowledged, TimeSpan.FromSeconds(30), "the retried offer is acknowledged", Transient.SiloLost);

            Assert.Equal(checkpoint.Manifest.Chunks.Length - storedBeforeKill, retrySource.Pulled.Distinct().Count());
            Assert.Equal(checkpoint.Payload, await ReadPayloadAsync(grain, 1));
        }
        finally
        {
            await fixture.RestoreSiloCountAsync();
        }
    }

    [Fact]
    public async Task Offer_TwentyProgramsAtOnce_AllStoredByteExact()
    {
        var programs = Enumerable.Range(0, 20).Select(i =>
        {
            var (grain, _) = NewProgram();
            return (grain, checkpoint: TestCheckpoint.Create(TestCheckpoint.RandomPayload(512 * 1024 + i, seed: 100 + i), version: 1));
        }).ToList();

        var results = await Task.WhenAll(programs.Select(p => OfferAsync(p.grain, p.checkpoint)));

        Assert.All(results, r => Assert.True(r.IsAcknowledged));
        foreach (var (grain, checkpoint) in programs)
        {
            Assert.Equal(checkpoint.Payload, await ReadPayloadAsync(grain, 1));
        }
    }

    [Fact]
    public async Task Offer_MoreVersionsThanRetained_KeepsNewestThreeAndNoOrphanChunks()
    {
        var (grain, key) = NewProgram();
        var payload = TestCheckpoint.RandomPayload(1 << 20, seed: 11);
        var offered = new List<TestCheckpoint>();
        for (var version = 1; version <= 5; version++)
        {
            payload = TestCheckpoint.Dirty(payload, 0.25, seed: 11 + version);
            offered.Add(TestCheckpoint.Create(payload, version));
            await OfferAsync(grain, offered[^1]);
        }

        var versions = await grain.GetVersionsAsync();

        Assert.Equal([5L, 4L, 3L], versions.Select(v => v.Version));
        var referenced = await fixture.Database.ScalarAsync<long[]>(
            "SELECT coalesce(array_agg(DISTINCT version ORDER BY version), '{}') FROM cms_chunk_refs WHERE checkpoint = $1", key.ToString());
        Assert.Equal(new long[] { 3, 4, 5 }, referenced);
        // The collector runs in the background on every silo; the orphans of versions 1 and 2 must go. (Only this
        // test's chunks are counted: other tests of the collection may be leaving orphans of their own right now.)
        var prunedOnly = offered.Take(2).SelectMany(c => c.Manifest.Chunks).Select(c => c.Sha256)
            .Except(offered.Skip(2).SelectMany(c => c.Manifest.Chunks).Select(c => c.Sha256)).Select(Convert.FromHexString).ToArray();
        Assert.NotEmpty(prunedOnly);
        await Eventually.ReturnsAsync(
            () => fixture.Database.ScalarAsync<long>(
                "SELECT count(*) FROM cms_chunks c WHERE c.sha256 = ANY($1) AND NOT EXISTS (SELECT 1 FROM cms_chunk_refs r WHERE r.sha256 = c.sha256)", new object[] { prunedOnly }),
            orphans => orphans == 0, TimeSpan.FromSeconds(30), "no chunk only versions 1 and 2 had is left");
    }

    private (ICheckpointGrain Grain, CheckpointKey Key) NewProgram() => fixture.NewProgram();

    private Task<OfferResult> OfferAsync(ICheckpointGrain grain, TestCheckpoint checkpoint, RecordingChunkSource? source = null) =>
        fixture.OfferAsync(grain, checkpoint.Manifest, source ?? new RecordingChunkSource(checkpoint.Chunks));

    private static Task<byte[]> ReadPayloadAsync(ICheckpointGrain grain, long version) => ClusterFixture.ReadPayloadAsync(grain, version);
}
