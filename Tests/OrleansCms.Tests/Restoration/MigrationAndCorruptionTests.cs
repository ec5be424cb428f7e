using System.Net;
using System.Net.Http.Json;
using OrleansCms.Checkpoints;
using OrleansCms.Fleet;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

[Trait("Speed", "Process")]
[Collection(SharedCmsCollection.Name)]
public sealed class MigrationAndCorruptionTests(SharedCms shared) : IAsyncLifetime
{
    private readonly CmsProcesses _cms = shared.Cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cms.EndTestAsync();

    private IGrainFactory Grains => _cms.Grains;

    [Fact]
    public async Task MigrationThroughTheApi_UnderLoad_LeavesExactlyOneCopyContinuingFromAFreshCheckpoint()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:08:01", 1024, EcuFailureRestorationTests.Program("moved", stateMb: 4), EcuFailureRestorationTests.Program("stays"));
        var target = await _cms.StartAgentAsync("02:00:00:00:08:02", 1024);
        var before = await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 2);
        var acknowledgedBefore = before.Programs.Single(p => p.ProgramId == 0).LastAcknowledgedVersion;

        var response = await _cms.Http(1).PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = 0, targetMac = target.Mac });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<Accepted>())!.Id;

        var migration = await FleetProbe.WaitFinishedAsync(Grains, id);
        var item = Assert.Single(migration.Programs);
        Assert.Equal(target.Mac, item.TargetMac);
        Assert.True(item.SourceStopped);
        Assert.True(item.Version > acknowledgedBefore, $"migrated v{item.Version}, not a fresh checkpoint after v{acknowledgedBefore}");
        await FleetProbe.AssertContinuesAsync(Grains, item);
        Assert.Single(source.ChildPids());
        Assert.Single(target.ChildPids());
        var programs = await _cms.ProgramsAsync();
        Assert.Equal(2, programs.Count);
        Assert.All(programs, p => Assert.Equal(1, p.RunningCopies));
        Assert.Equal(target.Mac, programs.Single(p => p.Name == "moved").RunningCopy!.Mac);
    }

    [Fact]
    public async Task MigrateCommandLine_MovesTheProgramAndExitsZero()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:08:11", 1024, EcuFailureRestorationTests.Program("moved"));
        var target = await _cms.StartAgentAsync("02:00:00:00:08:12", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 1);

        await using var migrate = DotnetProcess.Start(ProductPaths.Checkout.AgentDll,
            ["migrate", "--cms", _cms.GatewayList, "--cluster-id", _cms.ClusterId, "--mac", source.Mac, "--program-id", "0", "--target", target.Mac, .. _cms.OperatorTlsOptions]);
        var exit = await migrate.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(exit == 0, $"exit {exit}: {string.Join(Environment.NewLine, migrate.StandardOutput.Concat(migrate.StandardError))}");
        Assert.Contains(migrate.StandardOutput, line => line.StartsWith($"done: now {target.Mac}/", StringComparison.Ordinal));
        Assert.Empty(source.ChildPids());
        Assert.Single(target.ChildPids());
    }

    [Fact]
    public async Task MigrationRequests_BadInput_AreProblemsAndChangeNothing()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:09:01", 1024, EcuFailureRestorationTests.Program("p"));
        Assert.Equal(HttpStatusCode.BadRequest, (await _cms.Http(0).PostAsJsonAsync("/api/migrations", new { mac = "nope", programId = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cms.Http(0).PostAsJsonAsync("/api/migrations", new { mac = "02:00:00:00:09:99", programId = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cms.Http(0).PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = 7 })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _cms.Http(0).PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = 0, targetMac = source.Mac })).StatusCode);
        // The CMS is shared with other tests: none of its restorations may concern an ECU these requests named.
        Assert.DoesNotContain(await Grains.GetGrain<IRestorationLogGrain>(0).ListAsync(), r => r.SourceMac is "02:00:00:00:09:01" or "02:00:00:00:09:99");
        Assert.Single(source.ChildPids());
    }

    [Fact]
    public async Task NewestCheckpointCorrupt_OlderVersionRestoredAndTheEventReported()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:0a:01", 1024, EcuFailureRestorationTests.Program("p"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 3);
        source.Process.Signal("STOP"); // no further checkpoint; its lease runs out

        // With no other ECU the restoration claims a version and waits for a target, so the version it will
        // read is known before a byte of it is flipped (an offer in flight at the STOP may still have landed).
        var id = $"failure:{source.Mac}:1";
        var pending = await Eventually.ReturnsAsync(() => Grains.GetGrain<IRestorationGrain>(id).GetAsync()!,
            v => v?.Programs is [{ ClaimedAt: not null, Detail: not null }], FleetProbe.Patience, $"{id} claimed and waits for a target");
        var claimed = pending!.Programs[0].Version!.Value;
        var versions = await Grains.GetGrain<ICheckpointGrain>(new CheckpointKey(source.Mac, 0).ToString()).GetVersionsAsync();
        var older = versions.Where(v => v.Version < claimed).Max(v => v.Version);

        // The first chunk holds the counter, so it is never shared with another version.
        var flipped = await _cms.Database.ScalarAsync<int>(
            "WITH flipped AS (UPDATE cms_chunks SET data = set_byte(data, 10, get_byte(data, 10) # 255) WHERE sha256 = decode($1, 'hex') RETURNING 1) SELECT count(*)::int FROM flipped",
            versions.Single(v => v.Version == claimed).Chunks[0].Sha256);
        Assert.Equal(1, flipped);
        var target = await _cms.StartAgentAsync("02:00:00:00:0a:02", 1024);

        var restoration = await FleetProbe.WaitFinishedAsync(Grains, id);
        var item = Assert.Single(restoration.Programs);
        Assert.Equal(older, item.Version);
        Assert.Contains(item.Events!, e => e.Contains($"v{claimed}", StringComparison.Ordinal) && e.Contains("corrupt", StringComparison.Ordinal));
        await FleetProbe.AssertContinuesAsync(Grains, item);
        Assert.Single(target.ChildPids());
    }

    private sealed record Accepted(string Id);
}
