using System.Collections.Immutable;
using OrleansCms.Checkpoints;

namespace OrleansCms.Ingest;

/// <summary>Cuts a payload into fixed-size chunks, hashes and encodes them, and writes the manifest (its digest over the chunk list).</summary>
public sealed class CheckpointChunker
{
    public const int DefaultChunkSize = 64 << 10;

    public CheckpointChunker(int chunkSize = DefaultChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        ChunkSize = chunkSize;
    }

    public CheckpointChunker(IngestClientOptions options) : this(options.ChunkSize)
    {
    }

    public int ChunkSize { get; }

    public PreparedCheckpoint Prepare(
        CheckpointKey key, long version, ProgramInfo program, ReadOnlyMemory<byte> payload, DateTimeOffset? createdAt = null)
    {
        var bytes = payload.Span;
        var refs = ImmutableArray.CreateBuilder<ChunkRef>((bytes.Length + ChunkSize - 1) / ChunkSize);
        var chunks = new Dictionary<string, ChunkData>();
        for (var offset = 0; offset < bytes.Length; offset += ChunkSize)
        {
            var chunk = ChunkEncoding.Encode(bytes.Slice(offset, Math.Min(ChunkSize, bytes.Length - offset)));
            refs.Add(new ChunkRef(chunk.Sha256, chunk.Length));
            chunks.TryAdd(chunk.Sha256, chunk);
        }

        var list = refs.MoveToImmutable();
        var manifest = new CheckpointManifest(
            version, bytes.Length, ChunkListDigest.Of(list)!, list, program, createdAt ?? DateTimeOffset.UtcNow, ManifestDigest.ChunkList);
        return new PreparedCheckpoint(key, manifest, chunks.Values);
    }
}
