using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;

namespace OrleansCms.Checkpoints;

/// <summary>What a manifest's <see cref="CheckpointManifest.Sha256"/> is the SHA-256 of.</summary>
public enum ManifestDigest
{
    /// <summary>
    /// The whole payload. Verifying it needs every byte, so the CMS reads a version's unchanged chunks back from
    /// storage on each offer. Manifests written before <see cref="ChunkList"/> existed are of this kind.
    /// </summary>
    Payload = 0,

    /// <summary>
    /// The chunk list: each chunk's SHA-256 (32 bytes) and length (4 bytes, little-endian), in order. Every chunk is
    /// verified against its own hash where its bytes are (pulled, stored or read), so this binds the whole payload as
    /// the payload digest does, and is verified from the manifest alone: an offer costs what changed, not the program's size.
    /// </summary>
    ChunkList = 1,
}

/// <summary>The chunk-list digest (<see cref="ManifestDigest.ChunkList"/>).</summary>
public static class ChunkListDigest
{
    private const int EntryBytes = 36;

    /// <summary>Lower-case hex SHA-256 of the chunk list, or null when a chunk's hash is not 64 hex digits.</summary>
    public static string? Of(ImmutableArray<ChunkRef> chunks)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> entry = stackalloc byte[EntryBytes];
        foreach (var chunk in chunks)
        {
            if (chunk?.Sha256 is not { Length: 64 } hex
                || Convert.FromHexString(hex, entry[..32], out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                return null;
            }

            BinaryPrimitives.WriteInt32LittleEndian(entry[32..], chunk.Length);
            digest.AppendData(entry);
        }

        return Convert.ToHexStringLower(digest.GetHashAndReset());
    }

    /// <summary>True when <paramref name="manifest"/>'s digest is the chunk-list digest of its chunks.</summary>
    public static bool Matches(CheckpointManifest manifest) =>
        !manifest.Chunks.IsDefault && Of(manifest.Chunks) == manifest.Sha256;
}
