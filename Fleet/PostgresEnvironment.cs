namespace OrleansCms.Fleet;

/// <summary>
/// The environment variables that give a silo process its PostgreSQL connections (the silo's CmsStorageOptions reads
/// them): the runtime role it works as, and the schema owner it applies the schema scripts as.
/// </summary>
public static class PostgresEnvironment
{
    public const string Runtime = "CMS_POSTGRES";

    public const string SchemaOwner = "CMS_POSTGRES_SCHEMA";

    /// <summary>Both variables; a null owner removes any inherited one, so the silo applies the schema as its runtime role.</summary>
    public static Dictionary<string, string?> ForSilos(string runtime, string? schemaOwner) =>
        new() { [Runtime] = runtime, [SchemaOwner] = schemaOwner };
}
