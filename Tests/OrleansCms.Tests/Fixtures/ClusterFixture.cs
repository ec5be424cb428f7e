using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.TestingHost;
using OrleansCms.Checkpoints;
using OrleansCms.Hosting;
using OrleansCms.Standby;
using OrleansCms.Storage;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A two-silo TestCluster on the real PostgreSQL: ADO.NET clustering, grain storage and reminders in a
/// database of its own, and the grains' services as the silo host registers them. Shared by the test classes of one collection (<see cref="ClusterCollection"/> and its siblings).
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int SiloCount = 2;

    /// <summary>How long the cluster keeps checkpoints that are needed no more (<see cref="IngestOptions.ReleaseAfter"/>).</summary>
    public static readonly TimeSpan ReleaseAfter = TimeSpan.FromSeconds(3);

    /// <summary>How often a checkpoint grain checks whether to release its checkpoints (<see cref="IngestOptions.ReleaseCheckInterval"/>).</summary>
    public static readonly TimeSpan ReleaseCheckInterval = TimeSpan.FromSeconds(1);

    public TestCluster Cluster { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        // Empty: the first silo applies the schema as the owner and grants the silos' role, as in production.
        Database = await TestDatabase.CreateAsync(applySchema: false);
        var builder = new TestClusterBuilder(SiloCount);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = $"test-{Guid.NewGuid():N}"[..20];
        builder.Options.ServiceId = "orleans-cms-tests";
        // The silos work as the database's least-privilege role; the owner only applies the schema and grants it.
        builder.Properties[$"{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.ConnectionString)}"] = Database.SiloConnectionString;
        builder.Properties[$"{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.SchemaConnectionString)}"] = Database.ConnectionString;
        // Checkpoints that are needed no more are released within seconds, so that tests can watch it happen.
        builder.Properties[$"{IngestOptions.Section}:{nameof(IngestOptions.ReleaseAfter)}"] = ReleaseAfter.ToString();
        builder.Properties[$"{IngestOptions.Section}:{nameof(IngestOptions.ReleaseCheckInterval)}"] = ReleaseCheckInterval.ToString();
        // Standbys are planned within a second of a program's registration, so that tests can watch them warm up.
        builder.Properties[$"{StandbyOptions.Section}:{nameof(StandbyOptions.ReplanInterval)}"] = TimeSpan.FromMilliseconds(300).ToString();
        Configure(builder.Properties);
        builder.AddSiloBuilderConfigurator<CmsSiloConfigurator>();
        builder.AddClientBuilderConfigurator<CmsClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>A random, canonical MAC no other test uses.</summary>
    public static string NewMac() => string.Join(':', Guid.NewGuid().ToByteArray().Take(6).Select(b => b.ToString("x2")));

    /// <summary>A fresh program key on a random MAC, and its grain.</summary>
    public (ICheckpointGrain Grain, CheckpointKey Key) NewProgram()
    {
        var key = new CheckpointKey(NewMac(), Random.Shared.Next(1, 1000));
        return (Grains.GetGrain<ICheckpointGrain>(key.ToString()), key);
    }

    /// <summary>Offers a manifest whose chunks the CMS pulls from <paramref name="source"/> (kept alive for the call).</summary>
    public async Task<OfferResult> OfferAsync(ICheckpointGrain grain, CheckpointManifest manifest, IChunkSource source)
    {
        var reference = Cluster.Client.CreateObjectReference<IChunkSource>(source);
        try
        {
            return await grain.OfferAsync(manifest, reference);
        }
        finally
        {
            Cluster.Client.DeleteObjectReference<IChunkSource>(reference);
            GC.KeepAlive(source);
        }
    }

    /// <summary>An offer with <paramref name="attached"/> chunks, as an agent makes for a small checkpoint.</summary>
    public async Task<OfferResult> OfferAttachedAsync(ICheckpointGrain grain, CheckpointManifest manifest, IReadOnlyList<ChunkData> attached, IChunkSource source)
    {
        var reference = Cluster.Client.CreateObjectReference<IChunkSource>(source);
        try
        {
            return await grain.OfferAttachedAsync(manifest, attached, reference);
        }
        finally
        {
            Cluster.Client.DeleteObjectReference<IChunkSource>(reference);
            GC.KeepAlive(source);
        }
    }

    /// <summary>Reads a stored version back through the grain and verifies every chunk.</summary>
    public static async Task<byte[]> ReadPayloadAsync(ICheckpointGrain grain, long version)
    {
        // Pruned since the caller listed it: the same answer the grain gives when it is pruned mid-read.
        var manifest = (await grain.GetVersionsAsync()).SingleOrDefault(v => v.Version == version)
            ?? throw new CheckpointRejectedException(RejectReason.UnknownVersion, $"version {version} is no longer retained.");
        var payload = new byte[manifest.TotalSize];
        var offset = 0;
        await foreach (var chunk in grain.ReadChunksAsync(version))
        {
            Assert.True(ChunkEncoding.TryDecode(chunk, payload.AsSpan(offset)), $"chunk {chunk.Sha256} fails verification");
            offset += chunk.Length;
        }

        Assert.Equal(manifest.TotalSize, offset);
        return payload;
    }

    /// <summary>The silo that hosts the activation of <paramref name="grain"/>.</summary>
    public async Task<SiloHandle> SiloHostingAsync(IAddressable grain)
    {
        var id = grain.GetGrainId();
        var stats = await Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var host = stats.Single(s => s.GrainId == id).SiloAddress;
        return Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(host));
    }

    /// <summary>Starts silos until the cluster has <see cref="SiloCount"/> again (after a test killed one).</summary>
    public async Task RestoreSiloCountAsync()
    {
        while (Cluster.GetActiveSilos().Count() < SiloCount)
        {
            await Cluster.StartAdditionalSiloAsync();
        }
    }

    /// <summary>Lets a fixture of its own set further configuration keys of the silos (e.g. tighter limits).</summary>
    protected virtual void Configure(IDictionary<string, string?> properties)
    {
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    private sealed class CmsSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddCmsPersistence().AddCmsGrains();
            siloBuilder.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = ReleaseCheckInterval);
            // The CMS's own warnings (an ECU declared failed, a program pending, ...) explain a failing test.
            siloBuilder.Services.AddLogging(logging => logging
                .AddSimpleConsole(o => (o.SingleLine, o.TimestampFormat) = (true, "HH:mm:ss.fff "))
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Orleans", LogLevel.Error));
        }
    }

    private sealed class CmsClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = CmsPersistenceExtensions.NpgsqlInvariant;
                o.ConnectionString = configuration[$"{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.ConnectionString)}"];
            });
            // A call stranded on a killed silo fails in seconds rather than the default half minute.
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        }
    }
}

// The in-process tests wait on leases, windows and timeouts far more than they compute, so their classes are spread
// over four collections, each with a two-silo cluster (and database) of its own, that xunit runs side by side.

/// <summary>Ingest, reads and the uploader.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "two-silo cluster: ingest";
}

/// <summary>Releasing checkpoints that are needed no more: tests that wait out the release window.</summary>
[CollectionDefinition(Name)]
public sealed class ReleaseClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "two-silo cluster: release";
}

/// <summary>ECU liveness, programs and command fencing.</summary>
[CollectionDefinition(Name)]
public sealed class EcuClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "two-silo cluster: ECUs";
}

/// <summary>Restorations and migrations with ECUs played by the tests.</summary>
[CollectionDefinition(Name)]
public sealed class RestorationClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "two-silo cluster: restorations";
}
