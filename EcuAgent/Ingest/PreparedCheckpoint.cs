using System.Diagnostics.CodeAnalysis;
using OrleansCms.Checkpoints;

namespace OrleansCms.Ingest;

/// <summary>A checkpoint ready to offer: its manifest and its distinct chunks, already encoded.</summary>
public sealed class PreparedCheckpoint
{
    private readonly Dictionary<string, ChunkData> _chunks = [];

    public PreparedCheckpoint(CheckpointKey key, CheckpointManifest manifest, IEnumerable<ChunkData> chunks)
    {
        Key = key;
        Manifest = manifest;
        foreach (var chunk in chunks)
        {
            if (_chunks.TryAdd(chunk.Sha256, chunk))
            {
                EncodedBytes += chunk.Data.Length;
            }
        }

        if (manifest.Chunks.FirstOrDefault(c => !_chunks.ContainsKey(c.Sha256)) is { } missing)
        {
            throw new ArgumentException($"the manifest names chunk {missing.Sha256}, which is not among the chunks given.", nameof(chunks));
        }
    }

    public CheckpointKey Key { get; }

    public CheckpointManifest Manifest { get; }

    public long Version => Manifest.Version;

    /// <summary>The bytes this checkpoint occupies in the local buffer: its distinct chunks, encoded.</summary>
    public long EncodedBytes { get; }

    /// <summary>The distinct chunks; a chunk that occurs several times in the payload is here once.</summary>
    public IReadOnlyCollection<ChunkData> Chunks => _chunks.Values;

    public bool TryGetChunk(string sha256, [MaybeNullWhen(false)] out ChunkData chunk) => _chunks.TryGetValue(sha256, out chunk);

    public override string ToString() => $"{Key} v{Version}";
}
