using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCms.Schema;
using OrleansCms.Storage;

namespace OrleansCms.Hosting;

/// <summary>Puts a silo's clustering, grain state and reminders on the CMS PostgreSQL database.</summary>
public static class CmsPersistenceExtensions
{
    /// <summary>ADO.NET invariant name of the Npgsql provider.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary>The Orleans providers' tables and query rows (<c>Silo/Schema/Sql/*.sql</c>).</summary>
    public static SchemaScriptSource SchemaScripts { get; } = new(typeof(SchemaMigrator).Assembly, "Schema.");

    /// <summary>
    /// ADO.NET clustering, grain storage (<see cref="CmsStorageOptions.GrainStorageName"/>) and reminders on
    /// PostgreSQL, the schema bootstrap (which applies the scripts of every registered <see cref="SchemaScriptSource"/>),
    /// and membership tuned so that a dead silo is declared dead in seconds. Endpoints and cluster identity are left to
    /// the caller (the host or the test cluster), the grains' services to <c>AddCmsGrains</c>.
    /// </summary>
    public static ISiloBuilder AddCmsPersistence(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddCmsStorageOptions();

        // Every provider takes its connection string from CmsStorageOptions (configuration or CMS_POSTGRES).
        silo.UseAdoNetClustering(ob => ob.Configure<IOptions<CmsStorageOptions>>((o, cms) =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = cms.Value.ConnectionString;
        }));
        silo.AddAdoNetGrainStorage(CmsStorageOptions.GrainStorageName, ob => ob.Configure<IOptions<CmsStorageOptions>, Serializer>((o, cms, serializer) =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = cms.Value.ConnectionString;
            // Orleans' binary format is version tolerant for [GenerateSerializer] records ([Id]s never renumbered).
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseAdoNetReminderService(ob => ob.Configure<IOptions<CmsStorageOptions>>((o, cms) =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = cms.Value.ConnectionString;
        }));

        services.AddSingleton(SchemaScripts);
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton<SchemaBootstrapper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SchemaBootstrapper>());

        services.Configure<ClusterMembershipOptions>(ConfigureFastFailureDetection);
        return silo;
    }

    /// <summary>
    /// A silo that stops answering is probed every second; three missed probes (or one refused connection
    /// per probe) make the prober vote, and the table is re-read every two seconds, so a killed silo is
    /// declared dead in about three to five seconds instead of the default minute.
    /// </summary>
    public static void ConfigureFastFailureDetection(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 3;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
        // Keep detection bounded: a busy prober must not stretch its own timeouts.
        o.ExtendProbeTimeoutDuringDegradation = false;
    }
}
