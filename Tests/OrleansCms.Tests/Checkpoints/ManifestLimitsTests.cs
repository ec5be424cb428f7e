using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>The manifest limits of <see cref="ManifestValidator"/>: absurd sizes and chunk lists are refused with their reason, the limits themselves pass.</summary>
public sealed class ManifestLimitsTests
{
    private const int ChunkBytes = 4 << 10;

    private static readonly IngestOptions Limits = new() { MaxPayloadBytes = 32 << 10, MaxChunksPerManifest = 8 };

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue - 1)]
    [InlineData((32 << 10) + 1)]
    public void Validate_TotalSizeOverTheLimit_TooLarge(long totalSize)
    {
        var manifest = Checkpoint(8 * ChunkBytes).Manifest with { TotalSize = totalSize };

        var error = Assert.Throws<CheckpointRejectedException>(() => ManifestValidator.Validate(manifest, Limits));

        Assert.Equal(RejectReason.TooLarge, error.Reason);
        Assert.Contains($"limit of {32 << 10} bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(-1L)]
    public void Validate_NegativeTotalSize_InvalidManifest(long totalSize)
    {
        var manifest = Checkpoint(ChunkBytes).Manifest with { TotalSize = totalSize };

        Assert.Equal(RejectReason.InvalidManifest, Assert.Throws<CheckpointRejectedException>(() => ManifestValidator.Validate(manifest, Limits)).Reason);
    }

    [Fact]
    public void Validate_MoreChunksThanTheLimit_TooManyChunks()
    {
        // Nine chunks of 1 KiB: small in bytes, too many in number.
        var manifest = TestCheckpoint.Create(TestCheckpoint.RandomPayload(9 << 10, seed: 1), version: 1, chunkSize: 1 << 10).Manifest;
        Assert.Equal(9, manifest.Chunks.Length);

        var error = Assert.Throws<CheckpointRejectedException>(() => ManifestValidator.Validate(manifest, Limits));

        Assert.Equal(RejectReason.TooManyChunks, error.Reason);
        Assert.Contains("9 chunks, over the limit of 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ChunkCountAndSizeAtTheLimits_Accepted()
    {
        var manifest = Checkpoint(32 << 10).Manifest;
        Assert.Equal((8, 32L << 10), (manifest.Chunks.Length, manifest.TotalSize));

        ManifestValidator.Validate(manifest, Limits);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void Validate_TotalSizeDisagreesWithTheChunks_InvalidManifest(int delta)
    {
        var manifest = Checkpoint(3 * ChunkBytes).Manifest;

        var error = Assert.Throws<CheckpointRejectedException>(() =>
            ManifestValidator.Validate(manifest with { TotalSize = manifest.TotalSize + delta }, Limits));

        Assert.Equal(RejectReason.InvalidManifest, error.Reason);
        Assert.Contains("the chunks add up to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_ChunkLimitCoversTheLargestPayloadInTheSmallestAgentChunks()
    {
        var defaults = new IngestOptions();

        Assert.True((long)defaults.MaxChunksPerManifest * (4 << 10) >= defaults.MaxPayloadBytes);
    }

    private static TestCheckpoint Checkpoint(int size) =>
        TestCheckpoint.Create(TestCheckpoint.RandomPayload(size, seed: size), version: 1, chunkSize: ChunkBytes);
}
