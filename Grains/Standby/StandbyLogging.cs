using Microsoft.Extensions.Logging;

namespace OrleansCms.Standby;

internal static partial class StandbyLogging
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Standby of {Key} on {Target}: v{Version} not sent ({Reason})")]
    public static partial void StandbyNotSent(this ILogger logger, string key, string target, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ECU {Target} does not keep the standby of {Key} (its cache is too small); no longer sending it")]
    public static partial void StandbyRefused(this ILogger logger, string key, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Standbys of ECU {Mac} planned: {Plan}")]
    public static partial void StandbysPlanned(this ILogger logger, string mac, string plan);
}
