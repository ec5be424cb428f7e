using System.Buffers;
using System.Security.Cryptography;
using OrleansCms.Security;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Rebuilds a program's payload from the CMS: the chunks of one stored version into a stream, verifying each chunk
/// against the manifest and the manifest's digest.
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
    public static async Task<bool> TryReadGrantedAsync(IRestoreSourceGrain grain, ReadGrant grant, CheckpointManifest manifest, Stream destination, CancellationToken cancellationToken = default) =>
        (await ReadGrantedAsync(grain, grant, manifest, destination, local: null, cancellationToken)).Verified;

    /// <summary>
    /// Reads the version <paramref name="grant"/> names, taking every chunk <paramref name="local"/> holds (a warm
    /// standby's cache) from there and only the others from the CMS, in batches of at most <see cref="GrantedBatch"/>
    /// with a few reads in flight. Every chunk is checked against the manifest and the whole digest; a local chunk
    /// that does not match ends the read unverified (the caller reads again without it).
    /// </summary>
    public static Task<GrantedRead> ReadGrantedAsync(
        IRestoreSourceGrain grain, ReadGrant grant, CheckpointManifest manifest, Stream destination,
        Func<string, ChunkData?>? local, CancellationToken cancellationToken = default) =>
        ReadGrantedAsync((first, count) => grain.ReadGrantedAsync(grant, first, count), manifest, destination, local, cancellationToken);

    /// <summary>
    /// <see cref="ReadGrantedAsync(IRestoreSourceGrain, ReadGrant, CheckpointManifest, Stream, Func{string, ChunkData?}?, CancellationToken)"/>
    /// with the remote read given as a function of the first chunk index and the count (one granted read).
    /// </summary>
    public static async Task<GrantedRead> ReadGrantedAsync(
        Func<int, int, Task<IReadOnlyList<ChunkData>>> read, CheckpointManifest manifest, Stream destination,
        Func<string, ChunkData?>? local, CancellationToken cancellationToken = default)
    {
        using var payload = new VerifiedPayload(manifest, destination);
        var held = manifest.Chunks.Select(c => local?.Invoke(c.Sha256)).ToArray();
        var runs = RemoteRuns(held);
        var reads = new Queue<Task<IReadOnlyList<ChunkData>>>();
        var nextRun = 0;
        var remote = 0;
        try
        {
            for (var index = 0; index < manifest.Chunks.Length;)
            {
                if (held[index] is { } kept)
                {
                    if (!await payload.TryAppendAsync(kept, cancellationToken))
                    {
                        return new GrantedRead(false, index - remote, remote);
                    }

                    index++;
                    continue;
                }

                // The next remote run starts here: keep a few reads in flight ahead of it.
                for (; reads.Count < GrantedReadsInFlight && nextRun < runs.Count; nextRun++)
                {
                    reads.Enqueue(read(runs[nextRun].First, runs[nextRun].Count));
                }

                var chunks = await reads.Dequeue().WaitAsync(cancellationToken);
                if (chunks.Count == 0)
                {
                    return new GrantedRead(false, index - remote, remote);
                }

                foreach (var chunk in chunks)
                {
                    if (!await payload.TryAppendAsync(chunk, cancellationToken))
                    {
                        return new GrantedRead(false, index - remote, remote);
                    }

                    index++;
                    remote++;
                }
            }

            return new GrantedRead(payload.IsComplete(), manifest.Chunks.Length - remote, remote);
        }
        finally
        {
            // Reads still in flight when one failed: their outcome no longer matters.
            foreach (var pending in reads)
            {
                pending.Ignore();
            }
        }
    }

    /// <summary>The runs of chunks not held locally, each at most <see cref="GrantedBatch"/> long.</summary>
    private static List<(int First, int Count)> RemoteRuns(ChunkData?[] held)
    {
        var runs = new List<(int, int)>();
        for (var i = 0; i < held.Length;)
        {
            if (held[i] is not null)
            {
                i++;
                continue;
            }

            var first = i;
            while (i < held.Length && held[i] is null && i - first < GrantedBatch)
            {
                i++;
            }

            runs.Add((first, i - first));
        }

        return runs;
    }

    /// <summary>
    /// The payload as it is rebuilt: each chunk checked against the manifest, decoded, verified and written, and the
    /// digest checked at the end (a payload digest is computed over the bytes written).
    /// </summary>
    private sealed class VerifiedPayload(CheckpointManifest manifest, Stream destination) : IDisposable
    {
        private readonly IncrementalHash? _payloadDigest =
            manifest.Digest == ManifestDigest.Payload ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, manifest.Chunks.IsDefaultOrEmpty ? 0 : manifest.Chunks.Max(c => c.Length)));
        private int _index;

        public async ValueTask<bool> TryAppendAsync(ChunkData chunk, CancellationToken cancellationToken)
        {
            if (_index >= manifest.Chunks.Length || chunk.Sha256 != manifest.Chunks[_index].Sha256
                || chunk.Length != manifest.Chunks[_index].Length || !ChunkEncoding.TryDecode(chunk, _buffer))
            {
                return false;
            }

            _payloadDigest?.AppendData(_buffer, 0, chunk.Length);
            await destination.WriteAsync(_buffer.AsMemory(0, chunk.Length), cancellationToken);
            _index++;
            return true;
        }

        public bool IsComplete() =>
            _index == manifest.Chunks.Length && (_payloadDigest is null
                ? manifest.Digest == ManifestDigest.ChunkList && ChunkListDigest.Matches(manifest)
                : Convert.ToHexStringLower(_payloadDigest.GetHashAndReset()) == manifest.Sha256);

        public void Dispose()
        {
            _payloadDigest?.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}

/// <summary>How a granted read went: whether the payload verified, and how many chunks came from the local cache and from the CMS.</summary>
public readonly record struct GrantedRead(bool Verified, int LocalChunks, int RemoteChunks);
