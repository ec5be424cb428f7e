using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Storage;

/// <summary>Where the CMS keeps everything: one PostgreSQL database (section <c>Cms:Storage</c>).</summary>
public sealed class CmsStorageOptions
{
    public const string Section = "Cms:Storage";

    /// <summary>The environment variable that supplies the connection string when configuration does not.</summary>
    public const string ConnectionStringVariable = "CMS_POSTGRES";

    /// <summary>Name of the Orleans grain storage provider that holds CMS grain state.</summary>
    public const string GrainStorageName = "cms";

    /// <summary>Npgsql connection string. Falls back to the <c>CMS_POSTGRES</c> environment variable; never logged.</summary>
    [Redact]
    [Required(ErrorMessage = $"No PostgreSQL connection string: set {ConnectionStringVariable} or {Section}:{nameof(ConnectionString)}.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply missing schema scripts at start-up; turn off where a DBA manages the schema.</summary>
    public bool ApplySchemaOnStart { get; set; } = true;

    /// <summary>Fills in the connection string from <c>CMS_POSTGRES</c> when configuration gave none.</summary>
    public void UseEnvironmentFallback()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            ConnectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? "";
        }
    }
}
