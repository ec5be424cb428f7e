namespace OrleansCms.Checkpoints;

/// <summary>How a chunk's bytes are encoded on the wire and in the store.</summary>
public enum ChunkCodec : byte
{
    /// <summary>The raw bytes (used when compression does not pay).</summary>
    None = 0,

    /// <summary>LZ4 block format (K4os.Compression.LZ4), decoded length = <see cref="ChunkData.Length"/>.</summary>
    Lz4 = 1,
}
