using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// The ingest limits on a cluster that sets them low (<see cref="LimitedClusterFixture"/>): each refusal carries its
/// reason, pulls nothing and changes nothing stored (versions, chunk references, chunks, the ECU's count), and an offer
/// right at a limit is accepted.
/// </summary>
[Collection(LimitedClusterCollection.Name)]
public sealed class IngestLimitsTests(LimitedClusterFixture fixture)
{
    private const long Quota = LimitedClusterFixture.EcuQuota;

    [Theory]
    [InlineData(long.MaxValue, RejectReason.TooLarge)]
    [InlineData(-1L, RejectReason.InvalidManifest)]
    [InlineData(100_001L, RejectReason.InvalidManifest)]
    public async Task Offer_AbsurdTotalSize_RefusedAndNothingStored(long totalSize, RejectReason expected)
    {
        var (grain, key) = fixture.NewProgram();
        await AcknowledgedAsync(grain, Checkpoint(100_000, seed: 1, version: 1));
        var before = await StoredAsync(key);
        var next = Checkpoint(100_000, seed: 2, version: 2);
        var source = new RecordingChunkSource(next.Chunks);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, next.Manifest with { TotalSize = totalSize }, source));

        Assert.Equal(expected, error.Reason);
        Assert.Empty(source.Pulled);
        Assert.Equal(before, await StoredAsync(key));
        Assert.Equal(0L, await ChunksPresentAsync(next));
    }

    [Fact]
    public async Task Offer_MoreChunksThanTheLimit_TooManyChunksAndNothingStored()
    {
        var (grain, key) = fixture.NewProgram();
        await AcknowledgedAsync(grain, Checkpoint(10_000, seed: 3, version: 1));
        var before = await StoredAsync(key);
        var next = Checkpoint((LimitedClusterFixture.MaxChunks + 1) * 1024, seed: 4, version: 2, chunkSize: 1024);
        var source = new RecordingChunkSource(next.Chunks);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(grain, next.Manifest, source));

        Assert.Equal(RejectReason.TooManyChunks, error.Reason);
        Assert.Empty(source.Pulled);
        Assert.Equal(before, await StoredAsync(key));
        Assert.Equal(0L, await ChunksPresentAsync(next));

        // As many chunks as allowed are accepted.
        await AcknowledgedAsync(grain, Checkpoint(LimitedClusterFixture.MaxChunks * 1024, seed: 5, version: 2, chunkSize: 1024));
    }

    [Fact]
    public async Task Offer_MoreNewVersionsThanTheBurst_RateLimitedAndNothingStored()
    {
        var (grain, key) = fixture.NewProgram();
        TestCheckpoint last = null!;
        for (var version = 1; version <= LimitedClusterFixture.Burst; version++)
        {
            last = Checkpoint(5_000, seed: 100 + version, version: version);
            await AcknowledgedAsync(grain, last);
        }

        var before = await StoredAsync(key);
        var next = Checkpoint(5_000, seed: 200, version: LimitedClusterFixture.Burst + 1);
        var source = new RecordingChunkSource(next.Chunks);

        var result = await fixture.OfferAsync(grain, next.Manifest, source);

        Assert.Equal(OfferStatus.RateLimited, result.Status);
        Assert.False(result.IsAcknowledged);
        // One token per 1000 s: the wait announced is that of the next token, less the little refilled meanwhile.
        Assert.InRange(result.RetryAfter, TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(1000));
        Assert.Empty(source.Pulled);
        Assert.Equal(before, await StoredAsync(key));
        Assert.Equal(0L, await ChunksPresentAsync(next));

        // Re-offering a stored version does no work and takes no token.
        Assert.True((await fixture.OfferAsync(grain, last.Manifest, new RecordingChunkSource(last.Chunks))).IsAcknowledged);
    }

    [Fact]
    public async Task Offer_OverTheEcuQuota_QuotaExceededNamingQuotaAndUseAndNothingStored()
    {
        var mac = ClusterFixture.NewMac();
        var (a, keyA) = Program(mac, 1);
        var (b, keyB) = Program(mac, 2);
        await AcknowledgedAsync(a, Checkpoint(600_000, seed: 11, version: 1));
        var (beforeA, beforeB) = (await StoredAsync(keyA), await StoredAsync(keyB));
        var tooMuch = Checkpoint(400_001, seed: 12, version: 1);
        var source = new RecordingChunkSource(tooMuch.Chunks);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(b, tooMuch.Manifest, source));

        Assert.Equal(RejectReason.QuotaExceeded, error.Reason);
        Assert.Contains($"ECU {mac} keeps 600000 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("would take it to 1000001 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"quota of {Quota} bytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(source.Pulled);
        Assert.Empty(await b.GetVersionsAsync());
        Assert.Equal((beforeA, beforeB), (await StoredAsync(keyA), await StoredAsync(keyB)));
        Assert.Equal(0L, await ChunksPresentAsync(tooMuch));

        // Exactly up to the quota is accepted.
        await AcknowledgedAsync(b, Checkpoint(400_000, seed: 13, version: 1));
        Assert.Equal(Quota, await UsedAsync(mac));
    }

    [Fact]
    public async Task Offer_CheckpointLargerThanTheWholeQuota_QuotaExceededAndNoUsageRecorded()
    {
        var (grain, key) = fixture.NewProgram();
        var tooLarge = Checkpoint((int)Quota + 1, seed: 21, version: 1);
        var source = new RecordingChunkSource(tooLarge.Chunks);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(grain, tooLarge.Manifest, source));

        Assert.Equal(RejectReason.QuotaExceeded, error.Reason);
        Assert.Contains($"ECU {key.Mac} keeps 0 bytes", error.Message, StringComparison.Ordinal);
        Assert.Empty(source.Pulled);
        Assert.Empty(await grain.GetVersionsAsync());
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1", key.ToString()));
        Assert.Equal(0L, await ChunksPresentAsync(tooLarge));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT (SELECT count(*) FROM cms_ecu_usage WHERE mac = $1) + (SELECT count(*) FROM cms_checkpoint_usage WHERE mac = $1)", key.Mac));
    }

    [Fact]
    public async Task Offer_NewVersionReplacingTheOldest_ChargedWhatIsKeptAfterwards()
    {
        var (grain, key) = fixture.NewProgram();
        await AcknowledgedAsync(grain, Checkpoint(450_000, seed: 31, version: 1));
        await AcknowledgedAsync(grain, Checkpoint(450_000, seed: 32, version: 2));

        // Two versions are retained: v3 replaces v1, so the ECU keeps 900 000 bytes, not 1 350 000.
        await AcknowledgedAsync(grain, Checkpoint(450_000, seed: 33, version: 3));
        Assert.Equal(900_000, await UsedAsync(key.Mac));

        var before = await StoredAsync(key);
        var tooLarge = Checkpoint(550_001, seed: 34, version: 4);
        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, tooLarge.Manifest, new RecordingChunkSource(tooLarge.Chunks)));
        Assert.Equal(RejectReason.QuotaExceeded, error.Reason);
        Assert.Equal(before, await StoredAsync(key));

        await AcknowledgedAsync(grain, Checkpoint(550_000, seed: 35, version: 4));
        Assert.Equal([4L, 3L], (await grain.GetVersionsAsync()).Select(v => v.Version));
        Assert.Equal(Quota, await UsedAsync(key.Mac));
    }

    [Fact]
    public async Task Offer_UploadFailsVerification_EcuCountBackToWhatIsStored()
    {
        var (grain, key) = fixture.NewProgram();
        await AcknowledgedAsync(grain, Checkpoint(300_000, seed: 41, version: 1));
        var before = await StoredAsync(key);
        var next = Checkpoint(300_000, seed: 42, version: 2);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, next.Manifest with { Sha256 = new string('0', 64) }, new RecordingChunkSource(next.Chunks)));

        Assert.Equal(RejectReason.DigestMismatch, error.Reason);
        Assert.Equal(before, await StoredAsync(key));
        Assert.Equal(300_000, await UsedAsync(key.Mac));
    }

    [Fact]
    public async Task Offer_TwoProgramsOfOneEcuAtOnce_OnlyOneFitsTheQuota()
    {
        var mac = ClusterFixture.NewMac();
        var (a, keyA) = Program(mac, 1);
        var (b, keyB) = Program(mac, 2);

        var outcomes = await Task.WhenAll(
            OutcomeAsync(a, Checkpoint(600_000, seed: 51, version: 1)),
            OutcomeAsync(b, Checkpoint(600_000, seed: 52, version: 1)));

        Assert.Equal(["Acknowledged", "QuotaExceeded"], outcomes.Order());
        Assert.Equal(600_000, await UsedAsync(mac));
        Assert.Equal(1, (await a.GetVersionsAsync()).Count + (await b.GetVersionsAsync()).Count);
        Assert.Equal(1L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(DISTINCT checkpoint) FROM cms_chunk_refs WHERE checkpoint = ANY($1)", (object)new[] { keyA.ToString(), keyB.ToString() }));
    }

    private (ICheckpointGrain Grain, CheckpointKey Key) Program(string mac, int programId)
    {
        var key = new CheckpointKey(mac, programId);
        return (fixture.Grains.GetGrain<ICheckpointGrain>(key.ToString()), key);
    }

    private static TestCheckpoint Checkpoint(int size, int seed, long version, int chunkSize = TestCheckpoint.ChunkSize) =>
        TestCheckpoint.Create(TestCheckpoint.RandomPayload(size, seed), version, chunkSize);

    private async Task AcknowledgedAsync(ICheckpointGrain grain, TestCheckpoint checkpoint)
    {
        var result = await fixture.OfferAsync(grain, checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));
        Assert.Equal(OfferStatus.Acknowledged, result.Status);
    }

    private async Task<string> OutcomeAsync(ICheckpointGrain grain, TestCheckpoint checkpoint)
    {
        try
        {
            return (await fixture.OfferAsync(grain, checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks))).Status.ToString();
        }
        catch (CheckpointRejectedException e)
        {
            return e.Reason.ToString();
        }
    }

    /// <summary>Everything stored for a program: its versions, its chunk references and its ECU's count.</summary>
    private async Task<string> StoredAsync(CheckpointKey key)
    {
        var versions = string.Join(",", (await fixture.Grains.GetGrain<ICheckpointGrain>(key.ToString()).GetVersionsAsync()).Select(v => $"{v.Version}:{v.Sha256}"));
        var references = await fixture.Database.ScalarAsync<string>(
            "SELECT coalesce(string_agg(version || ':' || encode(sha256, 'hex'), ',' ORDER BY version, sha256), '') FROM cms_chunk_refs WHERE checkpoint = $1",
            key.ToString());
        return $"versions [{versions}] references [{references}] ECU count {await UsedAsync(key.Mac)}";
    }

    private Task<long> UsedAsync(string mac) =>
        fixture.Database.ScalarAsync<long>("SELECT coalesce((SELECT bytes FROM cms_ecu_usage WHERE mac = $1), 0)", mac);

    /// <summary>How many of the checkpoint's chunks the store holds.</summary>
    private Task<long> ChunksPresentAsync(TestCheckpoint checkpoint) =>
        fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cms_chunks WHERE encode(sha256, 'hex') = ANY($1)", (object)checkpoint.Chunks.Keys.ToArray());
}
