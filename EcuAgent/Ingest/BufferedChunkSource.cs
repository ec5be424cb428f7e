using OrleansCms.Checkpoints;

namespace OrleansCms.Ingest;

/// <summary>Serves the CMS's pulls from the local buffer of unacknowledged checkpoints.</summary>
public sealed class BufferedChunkSource(CheckpointBuffer buffer) : IChunkSource
{
    // CheckpointRejectedException because the CMS knows that type: it releases the upload at once, and nobody retries it.
    public Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s)
    {
        if (!buffer.TryGet(key, version, out var checkpoint))
        {
            throw new CheckpointRejectedException(
                RejectReason.SourceUnavailable, $"checkpoint {key} v{version} is no longer buffered on this ECU (dropped or already acknowledged).");
        }

        var chunks = new List<ChunkData>(sha256s.Count);
        foreach (var sha256 in sha256s)
        {
            chunks.Add(checkpoint.TryGetChunk(sha256, out var chunk)
                ? chunk
                : throw new CheckpointRejectedException(RejectReason.SourceUnavailable, $"checkpoint {key} v{version} has no chunk {sha256}."));
        }

        return Task.FromResult<IReadOnlyList<ChunkData>>(chunks);
    }
}
