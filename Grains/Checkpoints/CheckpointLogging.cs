using Microsoft.Extensions.Logging;

namespace OrleansCms.Checkpoints;

internal static partial class CheckpointLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Stored checkpoint {Key} v{Version}: {Size} bytes, {Pulled} of {Chunks} chunks pulled ({PulledBytes} bytes)")]
    public static partial void CheckpointStored(this ILogger logger, string key, long version, long size, int pulled, int chunks, long pulledBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected checkpoint {Key} v{Version}: {Reason}")]
    public static partial void CheckpointRejected(this ILogger logger, string key, long version, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored chunk {Sha256} of {Key} failed verification; pulling it again from the agent")]
    public static partial void StoredChunkCorrupt(this ILogger logger, string key, string sha256);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Key} versions {Versions}")]
    public static partial void VersionsPruned(this ILogger logger, string key, string versions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkpoint {Key} claimed by {Claimant} at v{Version}")]
    public static partial void CheckpointClaimed(this ILogger logger, string key, string claimant, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offer of {Key} v{Version} given up: the agent did not answer a pull within {TimeoutMs:0} ms")]
    public static partial void PullTimedOut(this ILogger logger, string key, long version, double timeoutMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offer of {Key} v{Version}: its attached chunks ({Bytes} bytes) exceed Cms:Ingest:MaxAttachedBytes ({Limit}); pulling them instead")]
    public static partial void AttachmentsSetAside(this ILogger logger, string key, long version, long bytes, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload of {Key} abandoned: {Reason}")]
    public static partial void UploadAbandoned(this ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offer of {Key} v{Version} failed: {Error}")]
    public static partial void OfferFailed(this ILogger logger, string key, long version, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released checkpoints {Key} v{Versions} (claimed by {Claimant}, needed no more since {SettledAt:O}); their unshared chunks are collected")]
    public static partial void CheckpointsReleased(this ILogger logger, string key, string versions, string claimant, DateTimeOffset? settledAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the release reminder of {Key}, trying again at its next checkpoint: {Reason}")]
    public static partial void ReleaseChecksNotRegistered(this ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Offer of {Key} v{Version} rate-limited: the program offers new versions too fast; offer again in {RetryAfterMs:0} ms")]
    public static partial void OfferRateLimited(this ILogger logger, string key, long version, double retryAfterMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the ECU storage count of {Key}; it stays higher until the program's next offer: {Reason}")]
    public static partial void QuotaNotSettled(this ILogger logger, string key, string reason);
}
