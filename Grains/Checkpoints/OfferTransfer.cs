using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansCms.Storage;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Brings the chunks of one admitted, reserved offer into the <see cref="ChunkStore"/>: the store's missing chunks
/// are taken from the offer's attachment or pulled from the agent's source, in payload order and window by window
/// within the silo's <see cref="IngestBudget"/>, and each is verified before it is stored. For a payload digest
/// (<see cref="ManifestDigest.Payload"/>, older agents) it also reads back the chunks the store has, verifies the whole
/// payload, and repairs a stored chunk that fails by pulling it again. The <see cref="CheckpointGrain"/> keeps
/// admission, reservation, commit and persistence; this is the part of an offer that moves bytes.
/// </summary>
internal sealed class OfferTransfer(
    CheckpointKey key,
    CheckpointManifest manifest,
    IChunkSource source,
    IReadOnlyDictionary<string, ChunkData>? attached,
    ChunkStore store,
    IngestBudget budget,
    IngestOptions limits,
    ILogger logger,
    Action<IReadOnlyList<ChunkData>> stored)
{
    /// <summary>The chunks stored by this offer (pulled or attached) so far.</summary>
    public int Chunks { get; private set; }

    /// <summary>Their encoded bytes.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// The chunks attached to an offer, by hash, for the pulls to take first; none when there were none or when they
    /// exceed <see cref="IngestOptions.MaxAttachedBytes"/> (then set aside, and their chunks pulled). A chunk the manifest
    /// does not name, or one without its bytes, is refused (<see cref="RejectReason.InvalidManifest"/>).
    /// </summary>
    public static Dictionary<string, ChunkData>? Attached(
        string key, CheckpointManifest manifest, IReadOnlyList<ChunkData>? attached, IngestOptions limits, ILogger logger)
    {
        if (attached is not { Count: > 0 })
        {
            return null;
        }

        var named = manifest.Chunks.Select(c => c.Sha256).ToHashSet();
        foreach (var chunk in attached)
        {
            if (chunk?.Sha256 is not { } hash || !named.Contains(hash) || chunk.Data is null)
            {
                throw new CheckpointRejectedException(RejectReason.InvalidManifest,
                    $"an attached chunk ({chunk?.Sha256 ?? "without a hash"}) is not one the manifest names, with its bytes.");
            }
        }

        var bytes = attached.Sum(c => (long)c.Data.Length);
        if (bytes > limits.MaxAttachedBytes)
        {
            logger.AttachmentsSetAside(key, manifest.Version, bytes, limits.MaxAttachedBytes);
            return null;
        }

        return attached.DistinctBy(c => c.Sha256).ToDictionary(c => c.Sha256);
    }

    /// <summary>Stores the chunks in <paramref name="missing"/>, verified; false when the budget stayed exhausted (Busy).</summary>
    public Task<bool> RunAsync(HashSet<string> missing, CancellationToken cancellationToken) =>
        manifest.Digest == ManifestDigest.ChunkList
            ? TransferMissingAsync(missing, cancellationToken)
            : TransferAndVerifyPayloadAsync(missing, cancellationToken);

    /// <summary>
    /// Stores the chunks the store lacks and reads nothing else: the chunks the store has were verified when they were
    /// stored, and the chunk-list digest that binds them to this version was verified with the manifest.
    /// </summary>
    private async Task<bool> TransferMissingAsync(HashSet<string> missing, CancellationToken cancellationToken)
    {
        var lacking = manifest.Chunks.Where(c => missing.Contains(c.Sha256)).DistinctBy(c => c.Sha256).ToList();
        for (var index = 0; index < lacking.Count;)
        {
            var window = NextWindow(lacking, index);
            using var lease = await budget.TryAcquireAsync(window.Sum(c => (long)c.Length), limits.BudgetWait, cancellationToken);
            if (lease is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }

            await StoreAsync([.. window.Select(c => c.Sha256)], into: null, replace: false, cancellationToken);
            index += window.Count;
        }

        return true;
    }

    /// <summary>
    /// Walks the payload in order, window by window, stores the chunks the store lacks, reads back the ones it has,
    /// verifies every chunk and the whole digest.
    /// </summary>
    private async Task<bool> TransferAndVerifyPayloadAsync(HashSet<string> missing, CancellationToken cancellationToken)
    {
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var index = 0;
        while (index < manifest.Chunks.Length)
        {
            var window = NextWindow(manifest.Chunks, index);
            // Abandoning the upload (its agent died) also ends the wait for budget, so a claim queued behind it is answered.
            using var lease = await budget.TryAcquireAsync(window.Sum(c => (long)c.Length), limits.BudgetWait, cancellationToken);
            if (lease is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return false;
            }

            var chunks = new Dictionary<string, ChunkData>();
            var toStore = window.Select(c => c.Sha256).Where(missing.Contains).Distinct().ToList();
            await StoreAsync(toStore, chunks, replace: false, cancellationToken);
            var toRead = window.Select(c => c.Sha256).Where(h => !chunks.ContainsKey(h)).Distinct().ToList();
            await foreach (var chunk in store.ReadAsync(toRead))
            {
                chunks[chunk.Sha256] = chunk;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(limits.MaxChunkBytes);
            try
            {
                foreach (var chunkRef in window)
                {
                    var chunk = chunks[chunkRef.Sha256];
                    if (chunk.Length != chunkRef.Length || !ChunkEncoding.TryDecode(chunk, buffer))
                    {
                        // Only a stored chunk can fail here (the new ones were verified): repair it from the agent.
                        logger.StoredChunkCorrupt(key.ToString(), chunkRef.Sha256);
                        await StoreAsync([chunkRef.Sha256], chunks, replace: true, cancellationToken);
                        // StoreAsync verified the fresh copy; decoding it again only refills the buffer.
                        _ = ChunkEncoding.TryDecode(chunks[chunkRef.Sha256], buffer);
                    }

                    digest.AppendData(buffer, 0, chunkRef.Length);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            index += window.Count;
        }

        var actual = Convert.ToHexStringLower(digest.GetHashAndReset());
        return actual == manifest.Sha256
            ? true
            : throw new CheckpointRejectedException(RejectReason.DigestMismatch, $"the payload's SHA-256 is {actual}, the manifest says {manifest.Sha256}.");
    }

    private List<ChunkRef> NextWindow(IReadOnlyList<ChunkRef> chunks, int start)
    {
        var window = new List<ChunkRef>();
        long bytes = 0;
        for (var i = start; i < chunks.Count && (window.Count == 0 || bytes + chunks[i].Length <= limits.PullBatchBytes); i++)
        {
            window.Add(chunks[i]);
            bytes += chunks[i].Length;
        }

        return window;
    }

    /// <summary>
    /// Takes the chunks <paramref name="hashes"/> names from the attachment or else from the agent, verifies each, stores
    /// them (<paramref name="replace"/>: over a stored copy that failed) and, given <paramref name="into"/>, keeps them there.
    /// </summary>
    private async Task StoreAsync(List<string> hashes, Dictionary<string, ChunkData>? into, bool replace, CancellationToken cancellationToken)
    {
        if (hashes.Count == 0)
        {
            return;
        }

        var byHash = new Dictionary<string, ChunkData>();
        var toPull = new List<string>();
        foreach (var hash in hashes)
        {
            if (attached?.TryGetValue(hash, out var chunk) == true)
            {
                byHash[hash] = chunk;
            }
            else
            {
                toPull.Add(hash);
            }
        }

        if (toPull.Count > 0)
        {
            foreach (var chunk in await PullAsync(toPull, cancellationToken))
            {
                if (chunk is not null)
                {
                    byHash.TryAdd(chunk.Sha256, chunk);
                }
            }
        }

        var verified = new List<ChunkData>(hashes.Count);
        var buffer = ArrayPool<byte>.Shared.Rent(limits.MaxChunkBytes);
        try
        {
            foreach (var hash in hashes)
            {
                if (!byHash.TryGetValue(hash, out var chunk))
                {
                    throw new CheckpointRejectedException(RejectReason.ChunkHashMismatch, $"the agent did not return chunk {hash}.");
                }

                if (chunk.Length > limits.MaxChunkBytes || !ChunkEncoding.TryDecode(chunk, buffer))
                {
                    throw new CheckpointRejectedException(RejectReason.ChunkHashMismatch, $"the bytes sent for chunk {hash} do not match its SHA-256 or length.");
                }

                verified.Add(chunk);
                Chunks++;
                Bytes += chunk.Data.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await store.StoreAsync(verified, replace);
        stored(verified);
        foreach (var chunk in verified)
        {
            into?[chunk.Sha256] = chunk;
        }
    }

    private async Task<IReadOnlyList<ChunkData>> PullAsync(List<string> hashes, CancellationToken cancellationToken)
    {
        var call = source.ReadChunksAsync(key, manifest.Version, hashes);
        try
        {
            return await call.WaitAsync(limits.PullTimeout, cancellationToken) ?? [];
        }
        catch (OperationCanceledException) when (!call.IsCompleted)
        {
            call.Ignore();
            throw;
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            call.Ignore();
            throw new TimeoutException($"the agent did not answer a pull of {hashes.Count} chunks of {key} v{manifest.Version} within {limits.PullTimeout.TotalSeconds:0.#} s.");
        }
    }
}
