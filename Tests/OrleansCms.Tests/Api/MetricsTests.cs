using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Api;

/// <summary><c>GET /metrics</c> of a real silo process: the CMS's instruments in Prometheus text format.</summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed partial class MetricsTests(SiloProcessFixture fixture)
{
    private SiloProcessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Metrics_AfterAnIngest_CountTheCheckpointItsBytesAndItsLatency()
    {
        var before = await ScrapeAsync();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(3 * TestCheckpoint.ChunkSize + 100, seed: 7), version: 1);
        var grain = Cluster.Grains.GetGrain<ICheckpointGrain>(new CheckpointKey(ClusterFixture.NewMac(), 1).ToString());
        var source = new RecordingChunkSource(checkpoint.Chunks);
        var reference = Cluster.Client.CreateObjectReference<IChunkSource>(source);
        try
        {
            Assert.Equal(OfferStatus.Acknowledged, (await grain.OfferAsync(checkpoint.Manifest, reference)).Status);
        }
        finally
        {
            Cluster.Client.DeleteObjectReference<IChunkSource>(reference);
            GC.KeepAlive(source);
        }

        var after = await ScrapeAsync();

        Assert.Equal(Value(before, "cms_checkpoints_ingested_total") + 1, Value(after, "cms_checkpoints_ingested_total"));
        Assert.Equal(Value(before, "cms_ingest_received_bytes_total") + checkpoint.Manifest.TotalSize, Value(after, "cms_ingest_received_bytes_total"));
        Assert.Equal(Value(before, "cms_ingest_stored_bytes_total") + source.BytesPulled, Value(after, "cms_ingest_stored_bytes_total"));
        Assert.Equal(Value(before, "cms_checkpoint_ack_latency_milliseconds_count") + 1, Value(after, "cms_checkpoint_ack_latency_milliseconds_count"));
        Assert.Equal(0, Value(after, "cms_ingest_in_flight_bytes"));
    }

    [Fact]
    public async Task Metrics_EcusByStatus_FollowTheFleetCensus()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);

        // The census is refreshed every few seconds on the silo, never from the gauge's callback.
        await Eventually.TrueAsync(async () => Value(await ScrapeAsync(), "cms_ecus", "status=\"alive\"") >= 1,
            TimeSpan.FromSeconds(15), "cms_ecus{status=\"alive\"} counts the new ECU");
        var text = await ScrapeAsync();
        Assert.Contains("cms_ecus{", text);
        Assert.Matches("cms_ecus\\{[^}]*status=\"failed\"", text);
        Assert.Matches("cms_ecus\\{[^}]*status=\"retired\"", text);
    }

    private Task<string> ScrapeAsync() => Cluster.Http.GetStringAsync("/metrics");

    /// <summary>The value of a series (0 when it is absent, as a counter nothing has touched yet is).</summary>
    private static double Value(string scrape, string name, string? label = null)
    {
        foreach (Match match in Series().Matches(scrape))
        {
            if (match.Groups["name"].Value == name && (label is null || match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Series();
}
