using OrleansCms.Checkpoints;
using OrleansCms.Standby;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Standby;

public sealed class StandbyCacheTests
{
    private static readonly CheckpointKey A = new("02:00:00:00:00:0a", 1);
    private static readonly CheckpointKey B = new("02:00:00:00:00:0b", 1);

    [Fact]
    public void ChunksThenManifest_TheVersionIsComplete_AndNothingIsMissing()
    {
        var cache = new StandbyCache(16L << 20);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, 1), version: 1);

        var chunksOnly = cache.Keep(new StandbyUpdate(A, [.. v1.Chunks.Values]));
        Assert.True(chunksOnly.Kept);
        Assert.Empty(chunksOnly.Missing); // no manifest yet, so nothing it knows to lack
        var answer = cache.Keep(new StandbyUpdate(A, [], v1.Manifest));

        Assert.True(answer.Kept);
        Assert.Empty(answer.Missing);
        Assert.Equal(1, cache.Programs[A]);
        Assert.Equal(v1.Chunks.Values.Sum(c => (long)c.Data.Length), cache.Bytes);
    }

    [Fact]
    public void NewerManifest_KeepsOnlyItsChunks_AndAnswersTheOnesItLacks()
    {
        var cache = new StandbyCache(16L << 20);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(640_000, 2), version: 1);
        var v2 = TestCheckpoint.Create(TestCheckpoint.Dirty(v1.Payload, 0.05, seed: 3), version: 2);
        cache.Keep(new StandbyUpdate(A, [.. v1.Chunks.Values], v1.Manifest));

        var answer = cache.Keep(new StandbyUpdate(A, [], v2.Manifest));

        var changed = v2.Chunks.Keys.Except(v1.Chunks.Keys).Order().ToList();
        Assert.NotEmpty(changed);
        Assert.Equal(changed, answer.Missing.Order());
        Assert.Equal(0, cache.Programs[A]);
        var kept = v2.Chunks.Keys.Intersect(v1.Chunks.Keys).Sum(h => (long)v1.Chunks[h].Data.Length);
        Assert.Equal(kept, cache.Bytes); // the chunks only v1 had are gone

        cache.Keep(new StandbyUpdate(A, [.. changed.Select(h => v2.Chunks[h])], v2.Manifest));
        Assert.Equal(2, cache.Programs[A]);
    }

    [Fact]
    public void OlderManifestAfterANewer_IsIgnored()
    {
        var cache = new StandbyCache(16L << 20);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, 4), version: 1);
        var v2 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, 5), version: 2);
        cache.Keep(new StandbyUpdate(A, [.. v2.Chunks.Values], v2.Manifest));

        cache.Keep(new StandbyUpdate(A, [], v1.Manifest));

        Assert.Equal(2, cache.Programs[A]);
    }

    [Fact]
    public void OverCapacity_TheLeastRecentlyUpdatedProgramMakesRoom_AndOneLargerThanAllIsNotKept()
    {
        var a = TestCheckpoint.Create(TestCheckpoint.RandomPayload(600_000, 6), version: 1);
        var b = TestCheckpoint.Create(TestCheckpoint.RandomPayload(600_000, 7), version: 1);
        var cache = new StandbyCache(1L << 20);
        cache.Keep(new StandbyUpdate(A, [.. a.Chunks.Values], a.Manifest));

        Assert.True(cache.Keep(new StandbyUpdate(B, [.. b.Chunks.Values], b.Manifest)).Kept);

        Assert.Equal([B], cache.Programs.Keys);
        Assert.InRange(cache.Bytes, 1, cache.CapacityBytes);

        var huge = TestCheckpoint.Create(TestCheckpoint.RandomPayload(1_200_000, 8), version: 1);
        Assert.False(cache.Keep(new StandbyUpdate(A, [.. huge.Chunks.Values], huge.Manifest)).Kept);
        Assert.DoesNotContain(A, cache.Programs.Keys);
        Assert.InRange(cache.Bytes, 0, cache.CapacityBytes);
    }

    [Fact]
    public void Drop_ForgetsTheProgramAndItsBytes()
    {
        var cache = new StandbyCache(16L << 20);
        var v1 = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, 9), version: 1);
        cache.Keep(new StandbyUpdate(A, [.. v1.Chunks.Values], v1.Manifest));

        cache.Drop(A);

        Assert.Empty(cache.Programs);
        Assert.Equal(0, cache.Bytes);
        Assert.Null(cache.Find(A, v1.Manifest.Chunks[0].Sha256));
    }
}
