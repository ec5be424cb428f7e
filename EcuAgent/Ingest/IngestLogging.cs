using Microsoft.Extensions.Logging;

namespace OrleansCms.Ingest;

internal static partial class IngestLogging
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped unacknowledged checkpoint {Key} v{Version} because the local buffer is full ({BufferedBytes} bytes)")]
    public static partial void CheckpointDropped(this ILogger logger, string key, long version, long bufferedBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped checkpoint {Key} v{Version}: its {Bytes} bytes exceed the whole local buffer ({MaxBytes} bytes)")]
    public static partial void CheckpointTooLarge(this ILogger logger, string key, long version, long bytes, long maxBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint {Key} v{Version} acknowledged: {ChunksPulled} chunks ({BytesPulled} bytes) pulled")]
    public static partial void CheckpointAcknowledged(this ILogger logger, string key, long version, int chunksPulled, long bytesPulled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checkpoint {Key} v{Version} rejected by the CMS ({Reason}); dropped it: {Detail}")]
    public static partial void CheckpointRejected(this ILogger logger, string key, long version, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "CMS busy with checkpoint {Key} v{Version}; offering again in {RetryAfter}")]
    public static partial void CmsBusy(this ILogger logger, string key, long version, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "CMS rate-limits the new versions of {Key} (checkpoints come faster than Cms:Ingest:MaxVersionsPerSecond); offering v{Version} again in {RetryAfter}")]
    public static partial void CmsRateLimited(this ILogger logger, string key, long version, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offer of checkpoint {Key} v{Version} failed (attempt {Attempt}); retrying in {Delay}")]
    public static partial void OfferFailed(this ILogger logger, Exception exception, string key, long version, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Offer loop of checkpoint {Key} failed unexpectedly")]
    public static partial void OfferLoopFailed(this ILogger logger, Exception exception, string key);
}
