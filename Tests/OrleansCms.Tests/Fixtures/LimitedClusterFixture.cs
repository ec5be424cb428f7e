using OrleansCms.Storage;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A two-silo cluster like <see cref="ClusterFixture"/>, with ingest limits small enough for tests to reach: a quota of
/// <see cref="EcuQuota"/> bytes per ECU, <see cref="MaxChunks"/> chunks per manifest, and <see cref="Burst"/> new
/// versions per program (refilled at one per 1000 s, so no token comes back while a test runs).
/// </summary>
public sealed class LimitedClusterFixture : ClusterFixture
{
    public const long EcuQuota = 1_000_000;
    public const int MaxChunks = 16;
    public const int Burst = 6;
    public const int RetainedVersions = 2;

    protected override void Configure(IDictionary<string, string?> properties)
    {
        properties[$"{IngestOptions.Section}:{nameof(IngestOptions.MaxBytesPerEcu)}"] = $"{EcuQuota}";
        properties[$"{IngestOptions.Section}:{nameof(IngestOptions.MaxChunksPerManifest)}"] = $"{MaxChunks}";
        properties[$"{IngestOptions.Section}:{nameof(IngestOptions.VersionBurst)}"] = $"{Burst}";
        properties[$"{IngestOptions.Section}:{nameof(IngestOptions.MaxVersionsPerSecond)}"] = "0.001";
        properties[$"{IngestOptions.Section}:{nameof(IngestOptions.RetainedVersions)}"] = $"{RetainedVersions}";
    }
}

[CollectionDefinition(Name)]
public sealed class LimitedClusterCollection : ICollectionFixture<LimitedClusterFixture>
{
    public const string Name = "two-silo cluster with tight ingest limits";
}
