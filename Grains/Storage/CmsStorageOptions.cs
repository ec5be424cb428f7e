namespace OrleansCms.Storage;

/// <summary>Where the CMS keeps everything: one PostgreSQL database (section <c>Cms:Storage</c>).</summary>
public sealed class CmsStorageOptions
{
    public const string Section = "Cms:Storage";

    /// <summary>The environment variable that supplies the connection string when configuration does not.</summary>
    public const string ConnectionStringVariable = "CMS_POSTGRES";

    /// <summary>Npgsql connection string. Falls back to the <c>CMS_POSTGRES</c> environment variable.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply missing schema scripts at start-up; turn off where a DBA manages the schema.</summary>
    public bool ApplySchemaOnStart { get; set; } = true;

    /// <summary>Name of the Orleans grain storage provider that holds CMS grain state.</summary>
    public const string GrainStorageName = "cms";
}
