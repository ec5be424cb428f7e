using System.Collections.Concurrent;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Ingest;

/// <summary>
/// A stand-in for the CMS side of an offer. By default it accepts: pulls every chunk from the agent's source,
/// verifies it, reassembles and checks the payload, keeps it, and acknowledges. <see cref="Handler"/> scripts other answers.
/// </summary>
internal sealed class FakeCms
{
    private readonly ConcurrentDictionary<(CheckpointKey, long), byte[]> _stored = new();
    private readonly ConcurrentQueue<Offer> _offers = new();
    private int _inFlight;
    private int _maxInFlight;

    public FakeCms() => Handler = AcceptAsync;

    public Func<Offer, Task<OfferResult>> Handler { get; set; }

    public IReadOnlyCollection<Offer> Offers => _offers;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public ICheckpointAgentGrain Grain(CheckpointKey key) => new FakeCheckpointGrain(this, key);

    public int OffersOf(CheckpointKey key, long version) => _offers.Count(o => o.Key == key && o.Manifest.Version == version);

    public byte[]? Stored(CheckpointKey key, long version) => _stored.GetValueOrDefault((key, version));

    public async Task<OfferResult> AcceptAsync(Offer offer)
    {
        var manifest = offer.Manifest;
        var chunks = await offer.Source.ReadChunksAsync(offer.Key, manifest.Version, [.. manifest.Chunks.Select(c => c.Sha256).Distinct()]);
        var byHash = chunks.ToDictionary(c => c.Sha256);
        var payload = new byte[manifest.TotalSize];
        var offset = 0;
        foreach (var chunkRef in manifest.Chunks)
        {
            if (!ChunkEncoding.TryDecode(byHash[chunkRef.Sha256], payload.AsSpan(offset)))
            {
                throw new CheckpointRejectedException(RejectReason.ChunkHashMismatch, chunkRef.Sha256);
            }

            offset += chunkRef.Length;
        }

        if (manifest.Digest == ManifestDigest.ChunkList ? !ChunkListDigest.Matches(manifest) : ChunkEncoding.Sha256Hex(payload) != manifest.Sha256)
        {
            throw new CheckpointRejectedException(RejectReason.DigestMismatch, manifest.Sha256);
        }

        _stored[(offer.Key, manifest.Version)] = payload;
        return new OfferResult(OfferStatus.Acknowledged, manifest.Version, chunks.Count, chunks.Sum(c => (long)c.Data.Length), TimeSpan.Zero);
    }

    private async Task<OfferResult> OfferAsync(CheckpointKey key, CheckpointManifest manifest, IChunkSource source, IReadOnlyList<ChunkData>? attached)
    {
        var offer = new Offer(key, manifest, source, OffersOf(key, manifest.Version) + 1, attached);
        _offers.Enqueue(offer);
        var inFlight = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _maxInFlight, inFlight);
        try
        {
            return await Handler(offer);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>
    /// One call of OfferAsync or OfferAttachedAsync (then with its <see cref="Attached"/> chunks); <see cref="Attempt"/>
    /// counts the offers of this version so far, this one included.
    /// </summary>
    public sealed record Offer(CheckpointKey Key, CheckpointManifest Manifest, IChunkSource Source, int Attempt, IReadOnlyList<ChunkData>? Attached = null);

    private sealed class FakeCheckpointGrain(FakeCms cms, CheckpointKey key) : ICheckpointAgentGrain
    {
        public Task<OfferResult> OfferAsync(CheckpointManifest manifest, IChunkSource source) => cms.OfferAsync(key, manifest, source, attached: null);

        public Task<OfferResult> OfferAttachedAsync(CheckpointManifest manifest, IReadOnlyList<ChunkData> attached, IChunkSource source) =>
            cms.OfferAsync(key, manifest, source, attached);
    }
}
