using System.Buffers;
using System.Security.Cryptography;

namespace OrleansCms.Checkpoints;

/// <summary>What a restore read: the version it rebuilt, and the newer versions it had to skip because they failed verification.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestoreRead")]
public sealed record RestoreRead(
    [property: Id(0)] CheckpointManifest Manifest,
    [property: Id(1)] IReadOnlyList<long> SkippedCorruptVersions)
{
    public bool FellBack => SkippedCorruptVersions.Count > 0;
}

/// <summary>
/// Rebuilds a program's payload from the CMS for a restore: streams the chunks of the newest retained
/// version into a stream, verifying each chunk and the whole digest, and falls back to the next older
/// version when one fails.
/// </summary>
public static class CheckpointReader
{
    /// <summary>
    /// Writes the newest payload that verifies into <paramref name="destination"/> (seekable; rewound and
    /// truncated before each attempt). Throws <see cref="CheckpointRejectedException"/> when no version verifies.
    /// </summary>
    public static async Task<RestoreRead> ReadNewestValidAsync(ICheckpointGrain grain, Stream destination, CancellationToken cancellationToken = default)
    {
        var versions = await grain.GetVersionsAsync();
        if (versions.Count == 0)
        {
            throw new CheckpointRejectedException(RejectReason.UnknownProgram, "the program has no stored checkpoint.");
        }

        var skipped = new List<long>();
        foreach (var manifest in versions)
        {
            destination.SetLength(0);
            destination.Position = 0;
            if (await TryReadVersionAsync(grain, manifest, destination, cancellationToken))
            {
                destination.Position = 0;
                return new RestoreRead(manifest, skipped);
            }

            skipped.Add(manifest.Version);
        }

        throw new CheckpointRejectedException(RejectReason.DigestMismatch, $"none of the retained versions ({string.Join(", ", skipped)}) verifies.");
    }

    /// <summary>
    /// Writes the payload of one version into <paramref name="destination"/>, verifying each chunk and the whole
    /// digest; false when it does not verify (what was written by then is not to be used).
    /// </summary>
    public static async Task<bool> TryReadVersionAsync(ICheckpointGrain grain, CheckpointManifest manifest, Stream destination, CancellationToken cancellationToken = default)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var largest = manifest.Chunks.IsDefaultOrEmpty ? 0 : manifest.Chunks.Max(c => c.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, largest));
        try
        {
            var index = 0;
            await foreach (var chunk in grain.ReadChunksAsync(manifest.Version).WithCancellation(cancellationToken))
            {
                if (index >= manifest.Chunks.Length || chunk.Sha256 != manifest.Chunks[index].Sha256 || !ChunkEncoding.TryDecode(chunk, buffer))
                {
                    return false;
                }

                digest.AppendData(buffer, 0, chunk.Length);
                await destination.WriteAsync(buffer.AsMemory(0, chunk.Length), cancellationToken);
                index++;
            }

            return index == manifest.Chunks.Length && Convert.ToHexStringLower(digest.GetHashAndReset()) == manifest.Sha256;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
