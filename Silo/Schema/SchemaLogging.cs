namespace OrleansCms.Schema;

internal static partial class SchemaLogging
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema script {Script}")]
    public static partial void SchemaScriptApplied(this ILogger logger, string script);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is at version {Version} ({Applied} scripts applied now)")]
    public static partial void SchemaUpToDate(this ILogger logger, int version, int applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is managed outside the CMS (Cms:Storage:ApplySchemaOnStart=false); checking its version only")]
    public static partial void SchemaApplyDisabled(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cms:Storage:SchemaConnectionString is not set: the silo applies the schema as its runtime role {Role}, which therefore owns the tables and could drop them; give the silo a least-privilege role and the owner's connection as SchemaConnectionString")]
    public static partial void SilosRunAsSchemaOwner(this ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The silos' PostgreSQL role {Role} is a superuser or the schema owner: it can drop the CMS's tables; give the silos a role of their own")]
    public static partial void RuntimeRolePrivileged(this ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Granted the silos' PostgreSQL role {Role} the use of the CMS schema")]
    public static partial void RuntimeRoleGranted(this ILogger logger, string role);
}
