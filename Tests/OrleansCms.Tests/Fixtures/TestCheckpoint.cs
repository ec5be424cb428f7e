using OrleansCms.Checkpoints;
using OrleansCms.Ingest;

namespace OrleansCms.Tests.Fixtures;

/// <summary>A payload cut into chunks by the agent's chunker, for tests that talk to the grains directly.</summary>
public sealed record TestCheckpoint(CheckpointManifest Manifest, IReadOnlyDictionary<string, ChunkData> Chunks, byte[] Payload)
{
    public const int ChunkSize = CheckpointChunker.DefaultChunkSize;

    public static TestCheckpoint Create(byte[] payload, long version, int chunkSize = ChunkSize, string name = "test-program")
    {
        // The key only labels the prepared checkpoint; tests offer the manifest to whichever grain they choose.
        var prepared = new CheckpointChunker(chunkSize).Prepare(new CheckpointKey("02:00:00:00:00:00", 0), version, new ProgramInfo(name, 64L << 20), payload);
        return new TestCheckpoint(prepared.Manifest, prepared.Chunks.ToDictionary(c => c.Sha256), payload);
    }

    /// <summary>The same checkpoint as an agent of before the chunk-list digest wrote it: the digest of the whole payload.</summary>
    public TestCheckpoint WithPayloadDigest() =>
        this with { Manifest = Manifest with { Digest = ManifestDigest.Payload, Sha256 = ChunkEncoding.Sha256Hex(Payload) } };

    /// <summary>Random bytes (incompressible, so every chunk is distinct).</summary>
    public static byte[] RandomPayload(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A copy of <paramref name="payload"/> with <paramref name="fraction"/> of it rewritten in clustered runs.</summary>
    public static byte[] Dirty(byte[] payload, double fraction, int seed, int runBytes = 48 * 1024)
    {
        var copy = (byte[])payload.Clone();
        var random = new Random(seed);
        var toDirty = (long)(payload.Length * fraction);
        while (toDirty > 0)
        {
            var length = (int)Math.Min(runBytes, toDirty);
            var start = random.Next(0, payload.Length - length);
            random.NextBytes(copy.AsSpan(start, length));
            toDirty -= length;
        }

        return copy;
    }
}
