using Microsoft.Extensions.Options;
using OrleansCms.Storage;

namespace OrleansCms.Schema;

/// <summary>
/// Runs before the silo touches its membership table: checks that PostgreSQL answers and that the schema
/// is current (applying it unless <see cref="CmsStorageOptions.ApplySchemaOnStart"/> is off). The scripts are those of
/// every <see cref="SchemaScriptSource"/> registered (the silo's and the grains'). A failure stops the start with one
/// clear message instead of the providers' retries.
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
        if (storage.ApplySchemaOnStart)
        {
            await migrator.ApplyAsync(storage.ConnectionString, scripts, cancellationToken);
        }
        else
        {
            logger.SchemaApplyDisabled();
            await migrator.VerifyAsync(storage.ConnectionString, scripts, cancellationToken);
        }
    }
}
