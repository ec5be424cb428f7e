using Microsoft.Extensions.Logging;

namespace OrleansCms.Agent;

internal static partial class AgentLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac} ({Name}) registered with the CMS: {Status}, next program ID {NextProgramId}")]
    public static partial void Registered(this ILogger logger, string mac, string name, string status, int nextProgramId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMS unreachable ({Reason}); programs keep running and checkpoints stay buffered")]
    public static partial void CmsUnreachable(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac}'s lease renewed by a datagram, {Ms:0} ms after the last answered heartbeat was sent")]
    public static partial void LeaseRenewedByDatagram(this ILogger logger, string mac, double ms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The answer to a lease datagram could not be applied: {Reason}")]
    public static partial void DatagramAnswerFailed(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "CMS reachable again")]
    public static partial void CmsReachable(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} is fenced (failure epoch {Epoch}): stopping its {Count} old programs and rejoining as a fresh ECU")]
    public static partial void Fenced(this ILogger logger, string mac, int epoch, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Kind} {CommandId} received: {Detail}")]
    public static partial void CommandReceived(this ILogger logger, string kind, string commandId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not pre-start program {Name} for its warm standby: {Reason}")]
    public static partial void PrestartFailed(this ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pre-started process of {Source} did not take its state ({Reason}); starting a new one")]
    public static partial void PrestartedProcessFailed(this ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Source} v{Version}: {LocalChunks} chunks from the warm standby, {RemoteChunks} from the CMS")]
    public static partial void RestoreRead(this ILogger logger, string source, long version, int localChunks, int remoteChunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Source} v{Version} as {Mac}/{ProgramId} ({Bytes} bytes) in {ElapsedMs:0} ms")]
    public static partial void RestoreDone(this ILogger logger, string source, long version, string mac, int programId, long bytes, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {Key} ({Name}) started as pid {Pid} from {Origin}")]
    public static partial void ProgramStarted(this ILogger logger, string key, string name, int pid, string origin);

    [LoggerMessage(Level = LogLevel.Error, Message = "Program {Name} did not start: {Reason}")]
    public static partial void ProgramStartFailed(this ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Program {Key} stopped: {Reason}")]
    public static partial void ProgramStopped(this ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Program {Key} ({Name}) crashed: {Detail}")]
    public static partial void ProgramCrashed(this ILogger logger, string key, string name, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Crash of {Mac}/{ProgramId} reported; restoration {Restoration}")]
    public static partial void CrashReported(this ILogger logger, string mac, int programId, string restoration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Crash of {Mac}/{ProgramId} not restored: {Reason}")]
    public static partial void CrashReportRefused(this ILogger logger, string mac, int programId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checkpoint {Key} v{Version} ({Bytes} bytes) is larger than the whole upload buffer; dropped")]
    public static partial void CheckpointTooLargeForBuffer(this ILogger logger, string key, long version, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} was retired by the CMS: stopping its programs and exiting")]
    public static partial void Retired(this ILogger logger, string mac);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ECU {Mac}: its certificate was revoked; stopping its {Count} programs and exiting (the CMS restores them elsewhere). The CMS said: {Refusal}")]
    public static partial void CertificateRevoked(this ILogger logger, string mac, int count, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {Name} waits for the ECU to rejoin: {Reason}")]
    public static partial void ProgramStartDeferred(this ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The CMS does not know ECU {Mac} (its state was reset): registering again")]
    public static partial void NotKnownToCms(this ILogger logger, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac}: no answer of the CMS within the lease ({FenceAfterMs:0} ms since the newest answered heartbeat was sent): froze its {Count} programs")]
    public static partial void LeaseLapsedFrozen(this ILogger logger, string mac, int count, double fenceAfterMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac}: the CMS renewed the lease; thawed its {Count} programs after {FrozenMs:0} ms frozen")]
    public static partial void LeaseRenewedThawed(this ILogger logger, string mac, int count, double frozenMs);
}
