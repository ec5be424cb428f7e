using System.Collections.Immutable;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fixtures;

/// <summary>A payload cut into chunks the way an agent does, for tests that talk to the grains directly.</summary>
public sealed record TestCheckpoint(CheckpointManifest Manifest, IReadOnlyDictionary<string, ChunkData> Chunks, byte[] Payload)
{
    public const int ChunkSize = 64 * 1024;

    public static TestCheckpoint Create(byte[] payload, long version, int chunkSize = ChunkSize, string name = "test-program")
    {
        var refs = ImmutableArray.CreateBuilder<ChunkRef>();
        var chunks = new Dictionary<string, ChunkData>();
        for (var offset = 0; offset < payload.Length; offset += chunkSize)
        {
            var encoded = ChunkEncoding.Encode(payload.AsSpan(offset, Math.Min(chunkSize, payload.Length - offset)));
            refs.Add(new ChunkRef(encoded.Sha256, encoded.Length));
            chunks.TryAdd(encoded.Sha256, encoded);
        }

        var manifest = new CheckpointManifest(
            version, payload.Length, ChunkEncoding.Sha256Hex(payload), refs.ToImmutable(),
            new ProgramInfo(name, 64L << 20), DateTimeOffset.UtcNow);
        return new TestCheckpoint(manifest, chunks, payload);
    }

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
