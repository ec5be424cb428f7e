using OrleansCms.Checkpoints;
using OrleansCms.Ingest;
using static OrleansCms.Tests.Ingest.IngestTestData;

namespace OrleansCms.Tests.Ingest;

public class BufferedChunkSourceTests
{
    [Fact]
    public async Task ReadChunksAsync_BufferedVersion_ReturnsTheChunksInTheOrderAsked()
    {
        var buffer = new CheckpointBuffer(maxBytes: 1 << 20);
        var checkpoint = new CheckpointChunker(4096).Prepare(Key(1), 1, TestProgram, RandomPayload(3 * 4096, seed: 1));
        buffer.Add(checkpoint);
        var hashes = checkpoint.Manifest.Chunks.Select(c => c.Sha256).Reverse().ToList();

        var chunks = await new BufferedChunkSource(buffer).ReadChunksAsync(Key(1), 1, hashes);

        Assert.Equal(hashes, chunks.Select(c => c.Sha256));
    }

    [Fact]
    public async Task ReadChunksAsync_VersionNoLongerBuffered_ThrowsSourceUnavailable()
    {
        var buffer = new CheckpointBuffer(maxBytes: 1 << 20);
        var checkpoint = Checkpoint(1, 1);
        buffer.Add(checkpoint);
        buffer.Acknowledge(Key(1), 1);

        var e = await Assert.ThrowsAsync<CheckpointRejectedException>(() =>
            new BufferedChunkSource(buffer).ReadChunksAsync(Key(1), 1, [checkpoint.Manifest.Chunks[0].Sha256]));

        Assert.Equal(RejectReason.SourceUnavailable, e.Reason);
        Assert.Contains("no longer buffered", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadChunksAsync_UnknownHash_ThrowsSourceUnavailable()
    {
        var buffer = new CheckpointBuffer(maxBytes: 1 << 20);
        buffer.Add(Checkpoint(1, 1));

        var e = await Assert.ThrowsAsync<CheckpointRejectedException>(() =>
            new BufferedChunkSource(buffer).ReadChunksAsync(Key(1), 1, [new string('0', 64)]));

        Assert.Equal(RejectReason.SourceUnavailable, e.Reason);
    }
}
