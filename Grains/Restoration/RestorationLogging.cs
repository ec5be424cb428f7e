using Microsoft.Extensions.Logging;

namespace OrleansCms.Restoration;

internal static partial class RestorationLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Restoration {Id} started ({Kind} of {Mac}, {Count} programs): {Reason}")]
    public static partial void RestorationStarted(this ILogger logger, string id, RestorationKind kind, string mac, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restoration {Id}: program {ProgramId} ({Name}) runs on {Target} as {NewProgramId}, from v{Version}, {ElapsedMs:0} ms after the start")]
    public static partial void ProgramRestored(this ILogger logger, string id, int programId, string name, string target, int newProgramId, long version, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoration {Id}: program {ProgramId} is pending: {Reason}")]
    public static partial void ProgramPending(this ILogger logger, string id, int programId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoration {Id}: {Key} v{Version} is corrupt ({Detail}); trying an older version")]
    public static partial void CorruptCheckpoint(this ILogger logger, string id, string key, long version, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoration {Id}: {Key} has no usable checkpoint; nothing to restore")]
    public static partial void NothingToRestore(this ILogger logger, string id, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoration {Id}: could not retire program {ProgramId} in its source catalogue")]
    public static partial void RetireFailed(this ILogger logger, Exception exception, string id, int programId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restoration {Id} finished in {ElapsedMs:0} ms: {Summary}")]
    public static partial void RestorationFinished(this ILogger logger, string id, double elapsedMs, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restoration {Id}: its resume reminder is not registered yet; the next round tries again")]
    public static partial void ReminderNotRegistered(this ILogger logger, Exception exception, string id);
}
