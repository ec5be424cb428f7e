using System.Security.Cryptography;
using K4os.Compression.LZ4;

namespace OrleansCms.Checkpoints;

/// <summary>Encoding, decoding and verification of chunks, the same on both sides of the wire.</summary>
public static class ChunkEncoding
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Encodes a chunk with LZ4, or keeps it raw when LZ4 does not make it smaller.</summary>
    public static ChunkData Encode(ReadOnlySpan<byte> bytes)
    {
        var sha256 = Sha256Hex(bytes);
        var target = new byte[LZ4Codec.MaximumOutputSize(bytes.Length)];
        var encoded = bytes.Length == 0 ? -1 : LZ4Codec.Encode(bytes, target, LZ4Level.L00_FAST);
        return encoded > 0 && encoded < bytes.Length
            ? new ChunkData(sha256, bytes.Length, ChunkCodec.Lz4, target.AsSpan(0, encoded).ToArray())
            : new ChunkData(sha256, bytes.Length, ChunkCodec.None, bytes.ToArray());
    }

    /// <summary>
    /// Decodes <paramref name="chunk"/> into <paramref name="destination"/> (at least <see cref="ChunkData.Length"/> long)
    /// and checks its length and SHA-256. Returns false when the bytes are not what the chunk claims.
    /// </summary>
    public static bool TryDecode(ChunkData chunk, Span<byte> destination)
    {
        if (chunk.Length < 0 || destination.Length < chunk.Length || chunk.Data is null)
        {
            return false;
        }

        var target = destination[..chunk.Length];
        switch (chunk.Codec)
        {
            case ChunkCodec.None when chunk.Data.Length == chunk.Length:
                chunk.Data.CopyTo(target);
                break;
            case ChunkCodec.Lz4:
                if (LZ4Codec.Decode(chunk.Data, target) != chunk.Length)
                {
                    return false;
                }

                break;
            default:
                return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(target, hash);
        return Convert.ToHexStringLower(hash) == chunk.Sha256;
    }
}
