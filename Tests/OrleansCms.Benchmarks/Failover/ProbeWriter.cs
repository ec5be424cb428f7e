using System.Diagnostics;
using OrleansCms.Checkpoints;

namespace OrleansCms.Benchmarks.Failover;

/// <summary>
/// Offers 64 KiB checkpoints of one program back to back (fresh bytes each, so each is written), retrying a failed
/// offer at once, and records for every acknowledged version when the attempt that got the acknowledgement started
/// and when it ended. An attempt started after a primary's kill can only be acknowledged once a new primary took it.
/// </summary>
public sealed class ProbeWriter : IAsyncDisposable
{
    private readonly IClusterClient _client;
    private readonly CheckpointKey _key;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(long Started, long Acknowledged, long Version)> _acknowledged = [];
    private readonly Task _loop;

    public ProbeWriter(IClusterClient client, CheckpointKey key)
    {
        _client = client;
        _key = key;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many versions were acknowledged after <paramref name="timestamp"/>.</summary>
    public int AcknowledgedSince(long timestamp)
    {
        lock (_lock)
        {
            return _acknowledged.Count(a => a.Acknowledged > timestamp);
        }
    }

    public IReadOnlyList<long> AcknowledgedVersions()
    {
        lock (_lock)
        {
            return [.. _acknowledged.Select(a => a.Version)];
        }
    }

    /// <summary>Waits for the first acknowledgement of an attempt started after <paramref name="timestamp"/>, and returns when it came.</summary>
    public async Task<long> FirstAcknowledgedOfferStartedAfterAsync(long timestamp, TimeSpan patience)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < patience)
        {
            lock (_lock)
            {
                if (_acknowledged.Where(a => a.Started > timestamp).Select(a => (long?)a.Acknowledged).Min() is { } first)
                {
                    return first;
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no checkpoint offered after the kill was acknowledged within {patience.TotalSeconds:0} s");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var random = new Random(17);
        var grain = _client.GetGrain<ICheckpointGrain>(_key.ToString());
        for (var version = 1L; !_stop.IsCancellationRequested; version++)
        {
            var payload = new byte[64 << 10];
            random.NextBytes(payload);
            var checkpoint = new PreparedChunkSource(payload, version);
            var reference = _client.CreateObjectReference<IChunkSource>(checkpoint);
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var result = await grain.OfferAsync(checkpoint.Manifest, reference);
                        if (result.IsAcknowledged)
                        {
                            lock (_lock)
                            {
                                _acknowledged.Add((started, Stopwatch.GetTimestamp(), version));
                            }

                            break;
                        }

                        await Task.Delay(result.RetryAfter, _stop.Token);
                    }
                    catch (Exception) when (!_stop.IsCancellationRequested)
                    {
                        await Task.Delay(20); // the database (or the silo) is away: offer again
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            finally
            {
                _client.DeleteObjectReference<IChunkSource>(reference);
            }
        }
    }
}
