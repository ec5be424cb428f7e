using OrleansCms.Checkpoints;
using OrleansCms.Ingest;

namespace OrleansCms.Benchmarks;

/// <summary>A checkpoint already chunked, hashed and encoded by the agent's chunker (agent-side work, not timed), serving its chunks.</summary>
public sealed class PreparedChunkSource : IChunkSource
{
    private static readonly CheckpointChunker Chunker = new();
    private readonly IReadOnlyDictionary<string, ChunkData> _chunks;

    public PreparedChunkSource(byte[] payload, long version)
    {
        var prepared = Chunker.Prepare(new CheckpointKey("02:00:00:00:00:00", 0), version, new ProgramInfo("bench", payload.Length), payload);
        Payload = payload;
        Manifest = prepared.Manifest;
        _chunks = prepared.Chunks.ToDictionary(c => c.Sha256);
    }

    private PreparedChunkSource(byte[] payload, CheckpointManifest manifest, IReadOnlyDictionary<string, ChunkData> chunks)
    {
        Payload = payload;
        Manifest = manifest;
        _chunks = chunks;
    }

    /// <summary>The checkpoint's bytes, whole.</summary>
    public byte[] Payload { get; }

    public CheckpointManifest Manifest { get; }

    public IEnumerable<ChunkData> Chunks => _chunks.Values;

    /// <summary>The encoded bytes of its distinct chunks.</summary>
    public long EncodedBytes => _chunks.Values.Sum(c => (long)c.Data.Length);

    /// <summary>The same checkpoint as an agent of before the chunk-list digest offered it: the digest of the whole payload.</summary>
    public PreparedChunkSource WithPayloadDigest() =>
        new(Payload, Manifest with { Digest = ManifestDigest.Payload, Sha256 = ChunkEncoding.Sha256Hex(Payload) }, _chunks);

    /// <summary>The same payload offered as another version.</summary>
    public PreparedChunkSource WithVersion(long version) => new(Payload, Manifest with { Version = version }, _chunks);

    public Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s) =>
        Task.FromResult<IReadOnlyList<ChunkData>>([.. sha256s.Select(h => _chunks[h])]);
}
