namespace OrleansCms.Schema;

internal static partial class SchemaLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema script {Script}")]
    public static partial void SchemaScriptApplied(this ILogger logger, string script);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is at version {Version} ({Applied} scripts applied now)")]
    public static partial void SchemaUpToDate(this ILogger logger, int version, int applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is managed outside the CMS (Cms:Storage:ApplySchemaOnStart=false); checking its version only")]
    public static partial void SchemaApplyDisabled(this ILogger logger);
}
