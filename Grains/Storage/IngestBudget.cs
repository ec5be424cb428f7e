using Microsoft.Extensions.Options;

namespace OrleansCms.Storage;

/// <summary>
/// The per-silo budget of payload bytes in flight (pulled from agents, not yet stored). Waiters are served
/// first come, first served, so a large offer is not starved by small ones.
/// </summary>
public sealed class IngestBudget(IOptions<IngestOptions> options)
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly long _capacity = options.Value.MaxInFlightBytes;
    private long _inFlight;

    /// <summary>Bytes currently granted.</summary>
    public long InFlightBytes => Interlocked.Read(ref _inFlight);

    /// <summary>Waits up to <paramref name="wait"/> for <paramref name="bytes"/> (capped at the capacity); null on time-out.</summary>
    public async Task<Lease?> TryAcquireAsync(long bytes, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        bytes = Math.Clamp(bytes, 0, _capacity);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inFlight + bytes <= _capacity)
            {
                _inFlight += bytes;
                return new Lease(this, bytes);
            }

            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        await using (timeout.Token.Register(() => Abandon(waiter)))
        {
            return await waiter.Granted.Task ? new Lease(this, bytes) : null;
        }
    }

    private void Abandon(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                return; // already granted
            }

            _waiters.Remove(waiter.Node);
            GrantWaiters();
        }

        waiter.Granted.TrySetResult(false);
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _inFlight -= bytes;
            GrantWaiters();
        }
    }

    // Called under the lock: hands budget to the head of the queue while it fits.
    private void GrantWaiters()
    {
        while (_waiters.First is { } first && _inFlight + first.Value.Bytes <= _capacity)
        {
            _waiters.RemoveFirst();
            _inFlight += first.Value.Bytes;
            first.Value.Granted.TrySetResult(true);
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource<bool> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Granted bytes; disposing gives them back.</summary>
    public sealed class Lease(IngestBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
