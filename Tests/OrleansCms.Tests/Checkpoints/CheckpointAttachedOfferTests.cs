using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// Offers with the checkpoint's chunks attached (<see cref="ICheckpointAgentGrain.OfferAttachedAsync"/>): the CMS stores
/// what came with the offer and pulls only what did not; attachments are verified like pulled chunks, and bad ones
/// change nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointAttachedOfferTests(ClusterFixture fixture)
{
    // Every payload of its own: the tests of the collection share one chunk store, which deduplicates, and a seed
    // another test uses would give this test's chunks that are stored already.
    private static int FreshSeed() => Guid.NewGuid().GetHashCode();

    [Fact]
    public async Task OfferAttached_EveryChunkAttached_AcknowledgedWithoutAPullAndReadsBack()
    {
        var (grain, _) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: FreshSeed()), version: 1);
        var source = new RecordingChunkSource(checkpoint.Chunks);

        var result = await fixture.OfferAttachedAsync(grain, checkpoint.Manifest, [.. checkpoint.Chunks.Values], source);

        Assert.True(result.IsAcknowledged);
        Assert.Empty(source.Pulled);
        Assert.Equal(checkpoint.Chunks.Count, result.ChunksPulled);
        Assert.Equal(checkpoint.Payload, await ClusterFixture.ReadPayloadAsync(grain, 1));
    }

    [Fact]
    public async Task OfferAttached_SomeChunksAttached_PullsOnlyTheOthers()
    {
        var (grain, _) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, seed: FreshSeed()), version: 1);
        var attached = checkpoint.Chunks.Values.Take(2).ToList();
        var source = new RecordingChunkSource(checkpoint.Chunks);

        Assert.True((await fixture.OfferAttachedAsync(grain, checkpoint.Manifest, attached, source)).IsAcknowledged);

        Assert.Equal(checkpoint.Chunks.Keys.Except(attached.Select(c => c.Sha256)).Order(), source.Pulled.Order());
        Assert.Equal(checkpoint.Payload, await ClusterFixture.ReadPayloadAsync(grain, 1));
    }

    [Fact]
    public async Task OfferAttached_ChunksTheStoreHolds_NeitherStoredAgainNorPulled()
    {
        var (grain, _) = fixture.NewProgram();
        var first = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: FreshSeed()), version: 1);
        await fixture.OfferAttachedAsync(grain, first.Manifest, [.. first.Chunks.Values], new RecordingChunkSource(first.Chunks));
        var second = TestCheckpoint.Create(TestCheckpoint.Dirty(first.Payload, 0.1, seed: 34, runBytes: 8 << 10), version: 2);
        var source = new RecordingChunkSource(second.Chunks);

        var result = await fixture.OfferAttachedAsync(grain, second.Manifest, [.. second.Chunks.Values], source);

        var changed = second.Chunks.Keys.Except(first.Chunks.Keys).ToList();
        Assert.NotEmpty(changed);
        Assert.Equal(changed.Count, result.ChunksPulled);
        Assert.Empty(source.Pulled);
        Assert.Equal(second.Payload, await ClusterFixture.ReadPayloadAsync(grain, 2));
    }

    [Fact]
    public async Task OfferAttached_OverTheCmsLimit_SetAsideAndPulledInstead()
    {
        var (grain, _) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload((1 << 20) + (300 << 10), seed: FreshSeed()), version: 1);
        var source = new RecordingChunkSource(checkpoint.Chunks);

        var result = await fixture.OfferAttachedAsync(grain, checkpoint.Manifest, [.. checkpoint.Chunks.Values], source);

        Assert.True(result.IsAcknowledged);
        Assert.Equal(checkpoint.Chunks.Keys.Order(), source.Pulled.Order());
        Assert.Equal(checkpoint.Payload, await ClusterFixture.ReadPayloadAsync(grain, 1));
    }

    public static TheoryData<string, RejectReason> BadAttachments => new()
    {
        { "bytes tampered", RejectReason.ChunkHashMismatch },
        { "chunk of another checkpoint", RejectReason.InvalidManifest },
        { "no bytes", RejectReason.InvalidManifest },
    };

    [Theory]
    [MemberData(nameof(BadAttachments))]
    public async Task OfferAttached_BadAttachment_RejectedAndNothingOfTheVersionStored(string bad, RejectReason expected)
    {
        var (grain, key) = fixture.NewProgram();
        var good = TestCheckpoint.Create(TestCheckpoint.RandomPayload(100_000, seed: FreshSeed()), version: 1);
        Assert.True((await fixture.OfferAttachedAsync(grain, good.Manifest, [.. good.Chunks.Values], new RecordingChunkSource(good.Chunks))).IsAcknowledged);
        var next = TestCheckpoint.Create(TestCheckpoint.RandomPayload(100_000, seed: FreshSeed()), version: 2);
        var first = next.Chunks.Values.First();
        ChunkData attachment = bad switch
        {
            "bytes tampered" => first with { Data = [.. first.Data.Select(b => (byte)~b)] },
            "chunk of another checkpoint" => TestCheckpoint.Create(TestCheckpoint.RandomPayload(1000, seed: FreshSeed()), version: 1).Chunks.Values.Single(),
            "no bytes" => first with { Data = null! },
            _ => throw new ArgumentOutOfRangeException(nameof(bad)),
        };

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAttachedAsync(grain, next.Manifest, [attachment, .. next.Chunks.Values.Skip(1)], new RecordingChunkSource(next.Chunks)));

        Assert.Equal(expected, error.Reason);
        Assert.Equal([1L], (await grain.GetVersionsAsync()).Select(v => v.Version));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1 AND version = 2", key.ToString()));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunks WHERE sha256 = $1", Convert.FromHexString(attachment.Sha256)));
    }
}
