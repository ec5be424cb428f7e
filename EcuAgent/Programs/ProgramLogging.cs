using Microsoft.Extensions.Logging;

namespace OrleansCms.Programs;

internal static partial class ProgramLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Program {ProcessId} started: {Launch} ({Start})")]
    public static partial void ProgramStarted(this ILogger logger, int processId, ProgramLaunch launch, string start);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {ProcessId} is ready after {Elapsed}")]
    public static partial void ProgramReady(this ILogger logger, int processId, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {ProcessId}: {Line}")]
    public static partial void ProgramStderr(this ILogger logger, int processId, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Program {ProcessId} checkpoint {CheckpointId}: {Bytes} bytes in {Elapsed}")]
    public static partial void CheckpointTaken(this ILogger logger, int processId, ulong checkpointId, int bytes, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {ProcessId} killed: {Error}")]
    public static partial void ProtocolViolated(this ILogger logger, int processId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {ProcessId} did not exit within {StopTimeout} of STOP; killing its process tree")]
    public static partial void StopTimedOut(this ILogger logger, int processId, TimeSpan stopTimeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Killing program {ProcessId} failed")]
    public static partial void KillFailed(this ILogger logger, Exception exception, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {ProcessId} {Exit}")]
    public static partial void ProgramExited(this ILogger logger, int processId, ProgramExit exit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {ProcessId} is frozen: killed instead of asked to stop")]
    public static partial void KilledFrozen(this ILogger logger, int processId);
}
