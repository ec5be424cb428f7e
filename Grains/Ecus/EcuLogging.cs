using Microsoft.Extensions.Logging;

namespace OrleansCms.Ecus;

internal static partial class EcuLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac} ({Name}) is alive")]
    public static partial void EcuAlive(this ILogger logger, string mac, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} declared failed (epoch {Epoch}): {Reason}")]
    public static partial void EcuFailed(this ILogger logger, string mac, int epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac}'s failure (epoch {Epoch}) confirmed: {Reason}; its programs that ran on are restored elsewhere")]
    public static partial void EcuFailureConfirmed(this ILogger logger, string mac, int epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} came back after failure epoch {Epoch}; fenced")]
    public static partial void EcuFenced(this ILogger logger, string mac, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} died; re-watching {Count} alive ECUs")]
    public static partial void RewatchingFleet(this ILogger logger, string silo, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-watching the fleet after a silo death failed; reminders remain the safety net")]
    public static partial void RewatchFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Program {ProgramId} ({Name}) on ECU {Mac} crashed: {Detail}")]
    public static partial void ProgramCrashed(this ILogger logger, string mac, int programId, string name, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start restoration {Id} yet; it stays in the outbox")]
    public static partial void RestorationStartFailed(this ILogger logger, Exception exception, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac} was alive before the running CMS came up: its agent has until {Until:O} to reconnect before its lease is watched")]
    public static partial void EcuRecoveryGrace(this ILogger logger, string mac, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac} retired: {Reason}")]
    public static partial void EcuRetired(this ILogger logger, string mac, string reason);
}
