using System.Collections.Concurrent;
using OrleansCms.Checkpoints;
using OrleansCms.Ingest;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>The ECU-side client library end to end against the two-silo cluster on PostgreSQL.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UploaderAgainstClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task RunAsync_SeveralProgramsAndVersions_EachAcknowledgedOnceAfterItIsStored()
    {
        var options = new IngestClientOptions();
        var buffer = new CheckpointBuffer(options);
        var uploader = new CheckpointUploader(fixture.Cluster.Client, buffer, options);
        var chunker = new CheckpointChunker(options);
        var expected = new Dictionary<(CheckpointKey, long), byte[]>();
        var acknowledged = new ConcurrentQueue<(CheckpointKey Key, long Version, bool StoredWhenAcknowledged)>();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        uploader.Acknowledged += (key, version, _) =>
        {
            // The acknowledgement may only arrive once the CMS lists the version.
            var stored = fixture.Grains.GetGrain<ICheckpointGrain>(key.ToString()).GetVersionsAsync().GetAwaiter().GetResult().Any(v => v.Version == version);
            acknowledged.Enqueue((key, version, stored));
            if (acknowledged.Count == expected.Count)
            {
                allDone.TrySetResult();
            }
        };
        for (var program = 0; program < 4; program++)
        {
            var (_, key) = fixture.NewProgram();
            for (var version = 1; version <= 3; version++)
            {
                var payload = TestCheckpoint.RandomPayload(200_000 + (program * 1000) + version, seed: (program * 10) + version);
                expected[(key, version)] = payload;
                Assert.True(uploader.Add(chunker.Prepare(key, version, new ProgramInfo($"p{program}", 1 << 20), payload)));
            }
        }

        using var stop = new CancellationTokenSource();
        var run = uploader.RunAsync(stop.Token);
        await allDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(expected.Keys.OrderBy(k => k.ToString()), acknowledged.Select(a => (a.Key, a.Version)).OrderBy(k => k.ToString()));
        Assert.All(acknowledged, a => Assert.True(a.StoredWhenAcknowledged));
        Assert.Equal(0, buffer.Count);
        foreach (var ((key, version), payload) in expected)
        {
            Assert.Equal(payload, await ClusterFixture.ReadPayloadAsync(fixture.Grains.GetGrain<ICheckpointGrain>(key.ToString()), version));
        }
    }
}
