using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Security;
using OrleansCms.Standby;
using OrleansCms.Storage;
using OrleansCms.Telemetry;

namespace OrleansCms.Hosting;

/// <summary>What the CMS grains need in a silo: their options, services, background work and tables.</summary>
public static class CmsGrainsExtensions
{
    /// <summary>The chunk tables' scripts, embedded beside <see cref="ChunkStore"/> (<c>Grains/Storage/*.sql</c>).</summary>
    public static SchemaScriptSource SchemaScripts { get; } = new(typeof(ChunkStore).Assembly, "Schema.");

    /// <summary>
    /// Registers the grains' options (sections <c>Cms:Ingest</c>, <c>Cms:Liveness</c>, <c>Cms:Restoration</c>,
    /// <c>Cms:Placement</c>, <c>Cms:Standby</c>, <c>Cms:Revocation</c>, <c>Cms:Storage</c>), validated at start-up; the chunk store and its collector, the ingest
    /// and standby budgets, the per-ECU quota, the metrics, the fleet census, silo-death watching, placement and the
    /// fleet's candidates for standbys; and the chunk tables' schema scripts.
    /// Clustering, grain storage and reminders are the host's (<c>AddCmsPersistence</c> in the silo).
    /// </summary>
    public static ISiloBuilder AddCmsGrains(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddCmsStorageOptions();
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LivenessOptions>().BindConfiguration(LivenessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RestorationOptions>().BindConfiguration(RestorationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PlacementOptions>().BindConfiguration(PlacementOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StandbyOptions>().BindConfiguration(StandbyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RevocationOptions>().BindConfiguration(RevocationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.ConfigureFormatter<IngestOptions>()
            .ConfigureFormatter<LivenessOptions>()
            .ConfigureFormatter<RestorationOptions>()
            .ConfigureFormatter<PlacementOptions>()
            .ConfigureFormatter<StandbyOptions>()
            .ConfigureFormatter<RevocationOptions>();

        services.AddSingleton(SchemaScripts);
        services.TryAddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<CmsStorageOptions>>().Value.ConnectionString));
        services.TryAddKeyedSingleton(UnflushedCommits.Key, (sp, _) => UnflushedCommits.Create(sp.GetRequiredService<IOptions<CmsStorageOptions>>().Value.ConnectionString));
        services.AddSingleton<ChunkStore>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<ChunkCollector>();
        services.AddSingleton<IngestBudget>();
        services.AddSingleton<EcuQuota>();

        services.AddMetrics();
        services.AddSingleton<CmsMetrics>();
        services.AddSingleton<FleetCensusCache>();
        services.AddHostedService(sp => sp.GetRequiredService<FleetCensusCache>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<SiloDeathWatcher>();
        var siloBuilt = DateTimeOffset.UtcNow;
        services.AddSingleton(sp => new ClusterFormation(
            sp.GetRequiredService<IClusterMembershipService>(), sp.GetRequiredService<ILocalSiloDetails>(), siloBuilt));
        services.AddSingleton(sp => new PlacementPolicy(sp.GetRequiredService<IOptions<PlacementOptions>>().Value));
        services.AddSingleton<StandbyBudget>();
        services.AddSingleton<FleetCandidatesCache>();

        // Deny by default once the silo has a fleet CA (UseCmsTls registers it): see docs/security.md.
        services.TryAddSingleton(new FleetTrust(null));
        services.AddSingleton<ClusterSecret>();
        services.AddSingleton<Seals>();
        services.AddSingleton<LeaseTickets>();
        services.AddSingleton<RevokedCertificates>();
        services.AddSingleton<RevocationRefresher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RevocationRefresher>());
        services.AddSingleton<LeaseDatagramListener>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<LeaseDatagramListener>());
        silo.AddIncomingGrainCallFilter<StorageErrorFilter>();
        silo.AddIncomingGrainCallFilter<AuthorizationFilter>();
        silo.AddOutgoingGrainCallFilter<SiloCallMark>();
        return silo;
    }
}
