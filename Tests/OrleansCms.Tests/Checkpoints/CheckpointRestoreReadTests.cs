using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

[Collection(ClusterCollection.Name)]
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
