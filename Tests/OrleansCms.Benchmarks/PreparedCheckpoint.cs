using System.Collections.Immutable;
using OrleansCms.Checkpoints;

namespace OrleansCms.Benchmarks;

/// <summary>A checkpoint already chunked, hashed and encoded (agent-side work, not part of ingest timing).</summary>
public sealed class PreparedCheckpoint : IChunkSource
{
    private readonly Dictionary<string, ChunkData> _chunks = [];

    public PreparedCheckpoint(byte[] payload, long version, int chunkSize = 64 * 1024)
    {
        var refs = ImmutableArray.CreateBuilder<ChunkRef>();
        for (var offset = 0; offset < payload.Length; offset += chunkSize)
        {
            var chunk = ChunkEncoding.Encode(payload.AsSpan(offset, Math.Min(chunkSize, payload.Length - offset)));
            refs.Add(new ChunkRef(chunk.Sha256, chunk.Length));
            _chunks.TryAdd(chunk.Sha256, chunk);
        }

        Manifest = new CheckpointManifest(version, payload.Length, ChunkEncoding.Sha256Hex(payload), refs.ToImmutable(),
            new ProgramInfo("bench", payload.Length), DateTimeOffset.UtcNow);
    }

    private PreparedCheckpoint(CheckpointManifest manifest, Dictionary<string, ChunkData> chunks)
    {
        Manifest = manifest;
        _chunks = chunks;
    }

    public CheckpointManifest Manifest { get; }

    /// <summary>The same payload offered as another version.</summary>
    public PreparedCheckpoint WithVersion(long version) => new(Manifest with { Version = version }, _chunks);

    public IEnumerable<ChunkData> Chunks => _chunks.Values;

    public Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s) =>
        Task.FromResult<IReadOnlyList<ChunkData>>([.. sha256s.Select(h => _chunks[h])]);
}
