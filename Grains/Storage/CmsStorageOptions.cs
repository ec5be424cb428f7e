using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Storage;

/// <summary>Where the CMS keeps everything: one PostgreSQL database (section <c>Cms:Storage</c>).</summary>
public sealed class CmsStorageOptions
{
    public const string Section = "Cms:Storage";

    /// <summary>The environment variable that supplies the connection string when configuration does not.</summary>
    public const string ConnectionStringVariable = "CMS_POSTGRES";

    /// <summary>The environment variable that supplies the schema owner's connection string when configuration does not.</summary>
    public const string SchemaConnectionStringVariable = "CMS_POSTGRES_SCHEMA";

    /// <summary>Name of the Orleans grain storage provider that holds CMS grain state.</summary>
    public const string GrainStorageName = "cms";

    /// <summary>Npgsql connection string. Falls back to the <c>CMS_POSTGRES</c> environment variable; never logged.</summary>
    [Redact]
    [Required(ErrorMessage = $"No PostgreSQL connection string: set {ConnectionStringVariable} or {Section}:{nameof(ConnectionString)}.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Connection string of the role that owns the CMS schema, used only to apply the schema scripts at start and to
    /// grant the runtime role (<see cref="ConnectionString"/>'s user) what it needs, so that the silo itself runs
    /// with a least-privilege role. Falls back to <c>CMS_POSTGRES_SCHEMA</c>; when neither is set, the silo applies
    /// the schema as its runtime role (trials only). Never logged.
    /// </summary>
    [Redact]
    public string? SchemaConnectionString { get; set; }

    /// <summary>Apply missing schema scripts at start-up; turn off where a DBA manages the schema.</summary>
    public bool ApplySchemaOnStart { get; set; } = true;

    /// <summary>Fills in the connection strings from <c>CMS_POSTGRES</c> and <c>CMS_POSTGRES_SCHEMA</c> when configuration gave none.</summary>
    public void UseEnvironmentFallback()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            ConnectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? "";
        }

        if (string.IsNullOrWhiteSpace(SchemaConnectionString))
        {
            SchemaConnectionString = Environment.GetEnvironmentVariable(SchemaConnectionStringVariable) is { Length: > 0 } schema ? schema : null;
        }
    }
}
