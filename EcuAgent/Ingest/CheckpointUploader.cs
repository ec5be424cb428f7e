using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansCms.Checkpoints;

namespace OrleansCms.Ingest;

/// <summary>
/// Offers the buffered checkpoints to the CMS until each is acknowledged or rejected: per program one at a time
/// in version order, programs independently, at most <see cref="IngestClientOptions.MaxConcurrentOffers"/> offers
/// in flight. Busy and RateLimited answers wait as told; failures back off exponentially and retry while the checkpoint
/// is buffered; a rejection drops it.
/// </summary>
public sealed class CheckpointUploader
{
    private readonly CheckpointBuffer _buffer;
    private readonly Func<CheckpointKey, ICheckpointAgentGrain> _grains;
    private readonly Func<IChunkSource, IChunkSource> _createReference;
    private readonly IngestClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _offerSlots;
    private readonly Lock _referenceLock = new();

    // Orleans holds a local observer weakly: this field keeps it alive for as long as its reference is in use.
    private readonly BufferedChunkSource _source;
    private IChunkSource? _sourceReference;
    private long _acknowledgedCount;
    private long _rejectedCount;

    /// <summary>
    /// <paramref name="grains"/> gives a program's checkpoint grain; <paramref name="createReference"/> turns the
    /// local chunk source into a reference the CMS can call back (tests may pass the source itself).
    /// </summary>
    public CheckpointUploader(
        CheckpointBuffer buffer,
        Func<CheckpointKey, ICheckpointAgentGrain> grains,
        Func<IChunkSource, IChunkSource> createReference,
        IngestClientOptions options,
        ILogger<CheckpointUploader>? logger = null)
    {
        options.Validate();
        _buffer = buffer;
        _grains = grains;
        _createReference = createReference;
        _options = options;
        _logger = logger ?? NullLogger<CheckpointUploader>.Instance;
        _offerSlots = new SemaphoreSlim(options.MaxConcurrentOffers, options.MaxConcurrentOffers);
        _source = new BufferedChunkSource(buffer);
    }

    public CheckpointUploader(IGrainFactory grains, CheckpointBuffer buffer, IngestClientOptions options, ILogger<CheckpointUploader>? logger = null)
        : this(buffer, key => grains.GetGrain<ICheckpointAgentGrain>(key.ToString()), grains.CreateObjectReference<IChunkSource>, options, logger)
    {
    }

    /// <summary>Raised when the CMS has durably stored a version (after it left the buffer).</summary>
    public event Action<CheckpointKey, long, OfferResult>? Acknowledged;

    /// <summary>Raised when the CMS refused a version for good (after it left the buffer).</summary>
    public event Action<CheckpointKey, long, CheckpointRejectedException>? Rejected;

    public CheckpointBuffer Buffer => _buffer;

    public long AcknowledgedCount => Interlocked.Read(ref _acknowledgedCount);

    public long RejectedCount => Interlocked.Read(ref _rejectedCount);

    /// <summary>Buffers a checkpoint for upload; false if it is larger than the whole buffer.</summary>
    public bool Add(PreparedCheckpoint checkpoint) => _buffer.Add(checkpoint);

    /// <summary>
    /// Makes the next offer create a fresh chunk-source reference. Call it when the cluster client is replaced or
    /// reconnects (e.g. from <c>AddClusterConnectionLostHandler</c>).
    /// </summary>
    public void ResetSourceReference()
    {
        lock (_referenceLock)
        {
            _sourceReference = null;
        }
    }

    /// <summary>Offers checkpoints as they are buffered until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var active = new Dictionary<CheckpointKey, Task>();
        Task? added = null;
        try
        {
            while (true)
            {
                foreach (var checkpoint in NextPerProgram(_buffer.Snapshot()))
                {
                    if (!active.ContainsKey(checkpoint.Key))
                    {
                        active[checkpoint.Key] = SettleAsync(checkpoint, cancellationToken);
                    }
                }

                added ??= _buffer.WaitForAddedAsync(cancellationToken);
                await Task.WhenAny([added, .. active.Values]);
                if (added.IsCompleted)
                {
                    await added;
                    added = null;
                }

                foreach (var (key, task) in active.Where(a => a.Value.IsCompleted).ToList())
                {
                    active.Remove(key);
                    if (task.Exception is { } failure)
                    {
                        _logger.OfferLoopFailed(failure.GetBaseException(), key.ToString());
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            await Task.WhenAll(active.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>The lowest buffered version of each program, programs ordered by their oldest checkpoint.</summary>
    private static IEnumerable<PreparedCheckpoint> NextPerProgram(IReadOnlyList<PreparedCheckpoint> pending) =>
        pending.GroupBy(c => c.Key).Select(program => program.MinBy(c => c.Version)!);

    private async Task SettleAsync(PreparedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var (key, version) = (checkpoint.Key, checkpoint.Version);
        var failures = 0;
        while (_buffer.Contains(key, version))
        {
            OfferResult result;
            try
            {
                result = await OfferOnceAsync(checkpoint, attach: failures == 0 && checkpoint.EncodedBytes <= _options.AttachUpToBytes, cancellationToken);
            }
            catch (CheckpointRejectedException e)
            {
                // A version dropped mid-offer also ends here (our source refused the pull); it was counted as dropped.
                if (_buffer.Remove(key, version))
                {
                    Interlocked.Increment(ref _rejectedCount);
                    _logger.CheckpointRejected(key.ToString(), version, e.Reason.ToString(), e.Message);
                    Rejected?.Invoke(key, version, e);
                }

                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.OfferFailed(e, key.ToString(), version, failures, delay);
                await Task.Delay(delay, cancellationToken);
                continue;
            }

            if (result.IsAcknowledged)
            {
                _buffer.Acknowledge(key, version);
                Interlocked.Increment(ref _acknowledgedCount);
                _logger.CheckpointAcknowledged(key.ToString(), version, result.ChunksPulled, result.BytesPulled);
                Acknowledged?.Invoke(key, version, result);
                return;
            }

            // Busy or RateLimited (or a status newer than this agent): nothing is wrong with the checkpoint, only its timing.
            failures = 0;
            var retryAfter = result.RetryAfter > TimeSpan.Zero ? result.RetryAfter : _options.InitialBackoff;
            if (result.Status == OfferStatus.RateLimited)
            {
                _logger.CmsRateLimited(key.ToString(), version, retryAfter);
            }
            else
            {
                _logger.CmsBusy(key.ToString(), version, retryAfter);
            }

            await Task.Delay(retryAfter, cancellationToken);
        }
    }

    /// <summary>
    /// One offer, with the checkpoint's chunks attached or not, holding one of the offer slots only while the call is in
    /// flight (not while backing off).
    /// </summary>
    private async Task<OfferResult> OfferOnceAsync(PreparedCheckpoint checkpoint, bool attach, CancellationToken cancellationToken)
    {
        await _offerSlots.WaitAsync(cancellationToken);
        try
        {
            var grain = _grains(checkpoint.Key);
            var offer = attach
                ? grain.OfferAttachedAsync(checkpoint.Manifest, [.. checkpoint.Chunks], SourceReference())
                : grain.OfferAsync(checkpoint.Manifest, SourceReference());
            // The grain call cannot be cancelled; WaitAsync only stops waiting for it (offer timeout, shutdown).
            return await offer.WaitAsync(_options.OfferTimeout, cancellationToken);
        }
        finally
        {
            _offerSlots.Release();
        }
    }

    private IChunkSource SourceReference()
    {
        lock (_referenceLock)
        {
            return _sourceReference ??= _createReference(_source);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(
            _options.MaxBackoff.TotalMilliseconds,
            _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));

        // Equal jitter: at least half the delay, the rest random, so ECUs that failed together do not retry together.
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
