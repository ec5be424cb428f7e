using Microsoft.Extensions.Logging;

namespace OrleansCms.Ecus;

internal static partial class EcuLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Mac} ({Name}) is alive")]
    public static partial void EcuAlive(this ILogger logger, string mac, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} declared failed (epoch {Epoch}): {Reason}")]
    public static partial void EcuFailed(this ILogger logger, string mac, int epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ECU {Mac} came back after failure epoch {Epoch}; fenced")]
    public static partial void EcuFenced(this ILogger logger, string mac, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Silo {Silo} died; re-watching {Count} alive ECUs")]
    public static partial void RewatchingFleet(this ILogger logger, string silo, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-watching the fleet after a silo death failed; reminders remain the safety net")]
    public static partial void RewatchFailed(this ILogger logger, Exception exception);
}
