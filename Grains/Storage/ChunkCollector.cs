using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansCms.Storage;

/// <summary>Deletes chunks that lost their last reference, in batches, every <see cref="IngestOptions.CollectInterval"/>.</summary>
public sealed partial class ChunkCollector(ChunkStore store, IOptions<IngestOptions> options, ILogger<ChunkCollector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CollectInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int deleted;
                do
                {
                    deleted = await store.CollectAsync(cancellationToken: stoppingToken);
                    if (deleted > 0)
                    {
                        ChunksCollected(deleted);
                    }
                }
                while (deleted > 0);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL may be away for a while; the queue waits for the next tick.
                CollectionFailed(e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Collected {Count} unreferenced chunks")]
    private partial void ChunksCollected(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chunk collection failed, retrying at the next tick: {Reason}")]
    private partial void CollectionFailed(string reason);
}
