using System.Globalization;
using System.Text.RegularExpressions;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
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
        var before = await GaugeMatchingCensusAsync(_ => true, "the gauge shows the census");
        await using var retiring = await FakeEcu.StartAsync(Cluster.Client);
        await using var failing = await FakeEcu.StartAsync(Cluster.Client);
        var registered = await GaugeMatchingCensusAsync(c => c.Alive >= 2, "the gauge counts the two new ECUs alive");

        await retiring.Grain.RetireAsync("metrics test");
        await failing.StopHeartbeatsAsync();
        await failing.Grain.DeclareFailedAsync("metrics test");
        // Only tests retire ECUs, and this collection runs one test at a time: the retired count is exact.
        var after = await GaugeMatchingCensusAsync(c => c.Retired == registered.Retired + 1 && c.Failed >= registered.Failed + 1,
            "the gauge counts one more retired and one more failed ECU");

        Assert.Equal(before.Retired + 1, after.Retired);
        Assert.True(after.Failed > before.Failed, $"cms_ecus{{status=\"failed\"}} stayed at {after.Failed}");
    }

    /// <summary>
    /// Waits until <c>cms_ecus</c> by status equals the fleet grain's census (the silo refreshes its copy every few
    /// seconds, never from the gauge's callback) and that census satisfies <paramref name="accept"/>.
    /// </summary>
    private async Task<FleetCensus> GaugeMatchingCensusAsync(Func<FleetCensus, bool> accept, string what)
    {
        var (gauge, _) = await Eventually.ReturnsAsync(async () =>
            {
                var census = await Cluster.Grains.GetGrain<IFleetGrain>(0).CensusAsync();
                var scrape = await ScrapeAsync();
                var gauge = new FleetCensus((int)Value(scrape, "cms_ecus", "status=\"alive\""), (int)Value(scrape, "cms_ecus", "status=\"failed\""),
                    (int)Value(scrape, "cms_ecus", "status=\"retired\""));
                return (Gauge: gauge, Census: census);
            },
            pair => pair.Gauge == pair.Census && accept(pair.Gauge), TimeSpan.FromSeconds(30), what);
        return gauge;
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
