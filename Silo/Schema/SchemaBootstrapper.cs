using Microsoft.Extensions.Options;
using Npgsql;
using OrleansCms.Storage;

namespace OrleansCms.Schema;

/// <summary>
/// Runs before the silo touches its membership table: checks that PostgreSQL answers and that the schema
/// is current (applying it unless <see cref="CmsStorageOptions.ApplySchemaOnStart"/> is off). The scripts are those of
/// every <see cref="SchemaScriptSource"/> registered (the silo's and the grains'). A failure stops the start with one
/// clear message instead of the providers' retries. With <see cref="CmsStorageOptions.SchemaConnectionString"/> the scripts are
/// applied as that owner, who then grants the silo's runtime role (the user of the connection string) what it needs.
/// </summary>
public sealed class SchemaBootstrapper(
    SchemaMigrator migrator,
    IEnumerable<SchemaScriptSource> sources,
    IOptions<CmsStorageOptions> options,
    ILogger<SchemaBootstrapper> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly object _gate = new();
    private Task? _run;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaBootstrapper), ServiceLifecycleStage.RuntimeInitialize - 1, EnsureAsync);

    /// <summary>
    /// Runs the check once per process. The silo host calls it before starting, so that a failure is reported
    /// without the silo lifecycle's error logs; the lifecycle stage covers hosts that do not (the test cluster).
    /// </summary>
    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _run ??= RunAsync(cancellationToken);
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var scripts = SchemaScript.Load(sources);
        var storage = options.Value;
        if (storage.ApplySchemaOnStart && storage.SchemaConnectionString is { Length: > 0 } owner)
        {
            // The owner applies the scripts; the silo's own role gets only what it uses.
            var runtimeRole = SchemaMigrator.RuntimeRoleOf(storage.ConnectionString);
            await migrator.ApplyAsync(owner, scripts, cancellationToken);
            await migrator.GrantRuntimeRoleAsync(owner, runtimeRole, cancellationToken);
        }
        else if (storage.ApplySchemaOnStart)
        {
            await migrator.ApplyAsync(storage.ConnectionString, scripts, cancellationToken);
            logger.SilosRunAsSchemaOwner(new NpgsqlConnectionStringBuilder(storage.ConnectionString).Username ?? "(the default user)");
        }
        else
        {
            logger.SchemaApplyDisabled();
            await migrator.VerifyAsync(storage.ConnectionString, scripts, cancellationToken);
        }
    }
}
