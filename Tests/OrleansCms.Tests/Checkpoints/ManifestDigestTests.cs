using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// The two kinds of manifest digest on a real cluster: a chunk-list digest (what agents write) costs an offer only the
/// chunks that changed; a payload digest (older agents) is still verified over every byte of the payload.
/// </summary>
[Collection(ReleaseClusterCollection.Name)]
public sealed class ManifestDigestTests(ClusterFixture fixture)
{
    private const string FlipOneByte =
        "WITH flipped AS (UPDATE cms_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 255) WHERE sha256 = decode($1, 'hex') RETURNING 1) SELECT count(*)::int FROM flipped";

    [Fact]
    public async Task ChunkListDigest_WrongDigest_RejectedBeforeAnyChunkIsPulled()
    {
        var (grain, key) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, seed: 41), version: 1);
        var source = new RecordingChunkSource(checkpoint.Chunks);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, checkpoint.Manifest with { Sha256 = new string('0', 64) }, source));

        Assert.Equal(RejectReason.DigestMismatch, error.Reason);
        Assert.Empty(source.Pulled);
        Assert.Empty(await grain.GetVersionsAsync());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1", key.ToString()));
    }

    [Fact]
    public async Task ChunkListDigest_NextVersion_PullsOnlyItsNewChunksAndReadsNoStoredOne()
    {
        var (grain, _) = fixture.NewProgram();
        var first = TestCheckpoint.Create(TestCheckpoint.RandomPayload(640 * 1024, seed: 42), version: 1);
        await fixture.OfferAsync(grain, first.Manifest, new RecordingChunkSource(first.Chunks));
        var changed = (byte[])first.Payload.Clone();
        changed[0] ^= 0xff; // the first chunk only
        var second = TestCheckpoint.Create(changed, version: 2);
        // A stored chunk the second version shares, corrupted behind the CMS's back: reading it back would notice.
        var shared = second.Manifest.Chunks[5].Sha256;
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>(FlipOneByte, shared));

        var source = new RecordingChunkSource(second.Chunks);
        var result = await fixture.OfferAsync(grain, second.Manifest, source);

        Assert.True(result.IsAcknowledged);
        Assert.Equal([second.Manifest.Chunks[0].Sha256], source.Pulled);
        // Found only where the bytes are read again: a restore verifies every chunk and refuses the version.
        using var restored = new MemoryStream();
        Assert.False(await CheckpointReader.TryReadVersionAsync(grain, second.Manifest, restored));
    }

    [Fact]
    public async Task PayloadDigest_NextVersion_VerifiedOverTheWholePayload_AStoredChunkThatFailsIsRepaired()
    {
        var (grain, _) = fixture.NewProgram();
        var first = TestCheckpoint.Create(TestCheckpoint.RandomPayload(640 * 1024, seed: 43), version: 1).WithPayloadDigest();
        await fixture.OfferAsync(grain, first.Manifest, new RecordingChunkSource(first.Chunks));
        var changed = (byte[])first.Payload.Clone();
        changed[0] ^= 0xff;
        var second = TestCheckpoint.Create(changed, version: 2).WithPayloadDigest();
        var shared = second.Manifest.Chunks[5].Sha256;
        Assert.Equal(1, await fixture.Database.ScalarAsync<int>(FlipOneByte, shared));

        var source = new RecordingChunkSource(second.Chunks);
        var result = await fixture.OfferAsync(grain, second.Manifest, source);

        Assert.True(result.IsAcknowledged);
        Assert.Equal([second.Manifest.Chunks[0].Sha256, shared], source.Pulled);
        Assert.Equal(changed, await ClusterFixture.ReadPayloadAsync(grain, 2));

        var third = TestCheckpoint.Create(TestCheckpoint.RandomPayload(640 * 1024, seed: 44), version: 3).WithPayloadDigest();
        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, third.Manifest with { Sha256 = first.Manifest.Sha256 }, new RecordingChunkSource(third.Chunks)));
        Assert.Equal(RejectReason.DigestMismatch, error.Reason);
        Assert.Equal([2L, 1L], (await grain.GetVersionsAsync()).Select(v => v.Version));
    }
}
