using System.ComponentModel.DataAnnotations;
using Npgsql;

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

    /// <summary>
    /// How many connections each of a silo's two pools (Orleans' providers; the CMS's own stores) may open, unless
    /// <see cref="ConnectionString"/> sets <c>Maximum Pool Size</c> itself. A burst of calls then waits for a
    /// connection instead of taking the server's every slot (Npgsql's own default is 100 per pool: four silos could
    /// ask for 800), which would fail the other silos' calls too.
    /// </summary>
    [Range(1, 1000)]
    public int PoolSize { get; set; } = 20;

    /// <summary>
    /// Fills in the connection strings from <c>CMS_POSTGRES</c> and <c>CMS_POSTGRES_SCHEMA</c> when configuration gave
    /// none, and gives the runtime connection string the pool defaults of <see cref="WithPoolDefaults"/>.
    /// </summary>
    public void UseEnvironmentFallback()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            ConnectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable) ?? "";
        }

        ConnectionString = WithPoolDefaults(ConnectionString, PoolSize);

        if (string.IsNullOrWhiteSpace(SchemaConnectionString))
        {
            SchemaConnectionString = Environment.GetEnvironmentVariable(SchemaConnectionStringVariable) is { Length: > 0 } schema ? schema : null;
        }
    }

    /// <summary>How many statements each connection keeps prepared (<c>Max Auto Prepare</c>), unless the connection string says.</summary>
    public const int AutoPrepared = 64;

    /// <summary>
    /// <paramref name="connectionString"/> with the CMS's pool defaults, each unless the string sets its own (or does
    /// not parse: validation reports that): <c>Maximum Pool Size</c> <paramref name="poolSize"/>; statements prepared
    /// once per connection after a few uses (<c>Max Auto Prepare</c>), so PostgreSQL neither parses nor plans the ingest's
    /// statements again on every call; and no session reset when a connection goes back to the pool (<c>No Reset On
    /// Close</c>), which would cost a <c>DISCARD ALL</c> before each next use and drop those prepared statements. Nothing
    /// in the CMS leaves state in a session: its settings are the connection's start-up options and its locks are
    /// transaction-scoped.
    /// </summary>
    public static string WithPoolDefaults(string connectionString, int poolSize)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            // The builder renders only the keys the string set, by their canonical names (any synonym becomes this one).
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
            if (!given.ContainsKey("Maximum Pool Size"))
            {
                builder.MaxPoolSize = poolSize;
            }

            if (!given.ContainsKey("Max Auto Prepare"))
            {
                builder.MaxAutoPrepare = AutoPrepared;
            }

            if (!given.ContainsKey("No Reset On Close"))
            {
                builder.NoResetOnClose = true;
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }
}
