using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

[Collection(ReleaseClusterCollection.Name)]
public sealed class CheckpointRestoreReadTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ReadNewestValid_AllIntact_RebuildsNewest()
    {
        var (grain, _, newer) = await StoreTwoVersionsAsync(seed: 21);

        using var payload = new MemoryStream();
        var read = await NewestValidReader.ReadAsync(grain, payload);

        Assert.Equal(2, read.Manifest.Version);
        Assert.False(read.FellBack);
        Assert.Equal(newer.Payload, payload.ToArray());
    }

    [Fact]
    public async Task ReadNewestValid_NewestCorruptInStore_FallsBackToOlderAndReportsIt()
    {
        var (grain, older, newer) = await StoreTwoVersionsAsync(seed: 23);
        // Flip one byte of a chunk only the newest version uses, directly in the store.
        var victim = newer.Manifest.Chunks[3].Sha256;
        await fixture.Database.ScalarAsync<int>(
            "WITH flipped AS (UPDATE cms_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 255) WHERE sha256 = decode($1, 'hex') RETURNING 1) SELECT count(*)::int FROM flipped",
            victim);

        using var payload = new MemoryStream();
        var read = await NewestValidReader.ReadAsync(grain, payload);

        Assert.Equal(1, read.Manifest.Version);
        Assert.Equal([2L], read.SkippedCorruptVersions);
        Assert.Equal(older.Payload, payload.ToArray());
    }

    [Fact]
    public async Task ReadChunks_VersionPrunedAndCollectedMidRead_RejectedAsPrunedNotAsAMissingChunk()
    {
        var (grain, _) = fixture.NewProgram();
        // More chunks than one streamed batch, so that the rest is read after the prune.
        var first = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300 * 1024, seed: 31), version: 1, chunkSize: 1024);
        await fixture.OfferAsync(grain, first.Manifest, new RecordingChunkSource(first.Chunks));
        await using var chunks = grain.ReadChunksAsync(1).GetAsyncEnumerator();
        Assert.True(await chunks.MoveNextAsync());

        for (var version = 2; version <= 4; version++)
        {
            var newer = TestCheckpoint.Create(TestCheckpoint.RandomPayload(4096, seed: 31 + version), version);
            await fixture.OfferAsync(grain, newer.Manifest, new RecordingChunkSource(newer.Chunks));
        }

        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(fixture.Database.ConnectionString))
        {
            var store = new OrleansCms.Storage.ChunkStore(dataSource);
            var hashes = first.Chunks.Keys.Select(Convert.FromHexString).ToArray();
            await Eventually.TrueAsync(async () => await store.CollectAsync(batch: 10_000) >= 0
                    && await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunks WHERE sha256 = ANY($1)", (object)hashes) == 0,
                TimeSpan.FromSeconds(30), "the pruned version's chunks are collected");
        }

        var rejected = await Assert.ThrowsAsync<CheckpointRejectedException>(async () =>
        {
            while (await chunks.MoveNextAsync())
            {
            }
        });
        Assert.Equal(RejectReason.UnknownVersion, rejected.Reason);
        Assert.Contains("pruned while it was read", rejected.Message, StringComparison.Ordinal);
    }

    /// <summary>A program with two retained versions of unrelated random payloads (so they share no chunk).</summary>
    private async Task<(ICheckpointGrain Grain, TestCheckpoint Older, TestCheckpoint Newer)> StoreTwoVersionsAsync(int seed)
    {
        var (grain, _) = fixture.NewProgram();
        var older = TestCheckpoint.Create(TestCheckpoint.RandomPayload(700_000, seed), version: 1);
        var newer = TestCheckpoint.Create(TestCheckpoint.RandomPayload(900_000, seed + 1), version: 2);
        await fixture.OfferAsync(grain, older.Manifest, new RecordingChunkSource(older.Chunks));
        await fixture.OfferAsync(grain, newer.Manifest, new RecordingChunkSource(newer.Chunks));
        return (grain, older, newer);
    }
}
