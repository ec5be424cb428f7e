using System.Buffers;
using System.Security.Cryptography;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Rebuilds a program's payload from the CMS for a restore: streams the chunks of one stored version into a
/// stream, verifying each chunk and the whole digest.
/// </summary>
public static class CheckpointReader
{
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
