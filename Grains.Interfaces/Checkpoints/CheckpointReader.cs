using System.Buffers;
using System.Security.Cryptography;
using OrleansCms.Security;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Rebuilds a program's payload from the CMS: the chunks of one stored version into a stream, verifying each chunk
/// against the manifest and the whole digest.
/// </summary>
public static class CheckpointReader
{
    /// <summary>Chunks per granted read (the grain serves at most this many per call).</summary>
    public const int GrantedBatch = 32;

    // Granted reads in flight at once: the silo reads the next batches from PostgreSQL while the agent verifies one.
    private const int GrantedReadsInFlight = 4;

    /// <summary>
    /// Streams <paramref name="manifest"/>'s version from the grain (an operator's or the CMS's read). False when a
    /// chunk or the digest does not match (the stream holds a partial payload then).
    /// </summary>
    public static async Task<bool> TryReadVersionAsync(ICheckpointGrain grain, CheckpointManifest manifest, Stream destination, CancellationToken cancellationToken = default)
    {
        using var payload = new VerifiedPayload(manifest, destination);
        await foreach (var chunk in grain.ReadChunksAsync(manifest.Version).WithCancellation(cancellationToken))
        {
            if (!await payload.TryAppendAsync(chunk, cancellationToken))
            {
                return false;
            }
        }

        return payload.IsComplete();
    }

    /// <summary>
    /// Reads the version a restore command's <paramref name="grant"/> names, in batches of <see cref="GrantedBatch"/>
    /// chunks with a few reads in flight. False when a chunk or the digest does not match.
    /// </summary>
    public static async Task<bool> TryReadGrantedAsync(IRestoreSourceGrain grain, ReadGrant grant, CheckpointManifest manifest, Stream destination, CancellationToken cancellationToken = default)
    {
        using var payload = new VerifiedPayload(manifest, destination);
        var reads = new Queue<Task<IReadOnlyList<ChunkData>>>();
        var next = 0;
        try
        {
            while (true)
            {
                for (; reads.Count < GrantedReadsInFlight && next < manifest.Chunks.Length; next += GrantedBatch)
                {
                    reads.Enqueue(grain.ReadGrantedAsync(grant, next, GrantedBatch));
                }

                if (!reads.TryDequeue(out var read))
                {
                    return payload.IsComplete();
                }

                var chunks = await read.WaitAsync(cancellationToken);
                if (chunks.Count == 0)
                {
                    return false;
                }

                foreach (var chunk in chunks)
                {
                    if (!await payload.TryAppendAsync(chunk, cancellationToken))
                    {
                        return false;
                    }
                }
            }
        }
        finally
        {
            // Reads still in flight when one failed: their outcome no longer matters.
            foreach (var read in reads)
            {
                read.Ignore();
            }
        }
    }

    /// <summary>The payload as it is rebuilt: each chunk checked against the manifest, decoded, hashed and written.</summary>
    private sealed class VerifiedPayload(CheckpointManifest manifest, Stream destination) : IDisposable
    {
        private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, manifest.Chunks.IsDefaultOrEmpty ? 0 : manifest.Chunks.Max(c => c.Length)));
        private int _index;

        public async ValueTask<bool> TryAppendAsync(ChunkData chunk, CancellationToken cancellationToken)
        {
            if (_index >= manifest.Chunks.Length || chunk.Sha256 != manifest.Chunks[_index].Sha256 || !ChunkEncoding.TryDecode(chunk, _buffer))
            {
                return false;
            }

            _digest.AppendData(_buffer, 0, chunk.Length);
            await destination.WriteAsync(_buffer.AsMemory(0, chunk.Length), cancellationToken);
            _index++;
            return true;
        }

        public bool IsComplete() => _index == manifest.Chunks.Length && Convert.ToHexStringLower(_digest.GetHashAndReset()) == manifest.Sha256;

        public void Dispose()
        {
            _digest.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
