using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using OrleansCms.Hosting;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A two-silo TestCluster on the real PostgreSQL: ADO.NET clustering, grain storage and reminders in a
/// database of its own. Shared by every test class of the <see cref="ClusterCollection"/>.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int SiloCount = 2;

    public TestCluster Cluster { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        var builder = new TestClusterBuilder(SiloCount);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = $"test-{Guid.NewGuid():N}"[..20];
        builder.Options.ServiceId = "orleans-cms-tests";
        builder.Properties[$"{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.ConnectionString)}"] = Database.ConnectionString;
        builder.AddSiloBuilderConfigurator<CmsSiloConfigurator>();
        builder.AddClientBuilderConfigurator<CmsClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    private sealed class CmsSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddCmsPersistence();
    }

    private sealed class CmsClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = CmsPersistenceExtensions.NpgsqlInvariant;
                o.ConnectionString = configuration[$"{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.ConnectionString)}"];
            });
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "two-silo cluster";
}
