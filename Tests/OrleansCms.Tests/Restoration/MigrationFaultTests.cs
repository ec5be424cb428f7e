using System.Net;
using System.Net.Http.Json;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Restoration;

/// <summary>
/// Migrations interrupted by SIGKILL of the source agent, the target agent or the silo running the migration; each
/// ends with exactly one running copy that continues from a checkpoint no older than the last acknowledged one.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SharedCmsCollection.Name)]
public sealed class MigrationFaultTests(ITestOutputHelper output, SharedCms shared) : IAsyncLifetime
{
    private readonly CmsProcesses _cms = shared.Cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cms.EndTestAsync();

    private IGrainFactory Grains => _cms.Grains;

    private static string Program(string name, double stateMb = 1, int ramMb = 16) =>
        EcuFailureRestorationTests.Program(name, ramMb, stateMb);

    [Fact]
    public async Task SourceAgentKilledMidMove_ExactlyOneCopyRunsOnTheTarget()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:11:01", 1024, Program("moved", stateMb: 4), Program("stays"));
        var target = await _cms.StartAgentAsync("02:00:00:00:11:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 2);
        var acknowledged = await AcknowledgedCounterAsync(source.Mac, 0);

        var id = await RequestMigrationAsync(source.Mac, 0, target.Mac);
        source.Kill();

        // Whichever claimed the program first restores it: the migration (the source is gone, so nothing is left to
        // stop) or the source's failure restoration (then the migration finds it held and is abandoned).
        var migration = await FleetProbe.WaitFinishedAsync(Grains, id);
        var failure = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{source.Mac}:1");
        var moved = Assert.Single(migration.Programs);
        var restored = failure.Programs.Single(i => i.ProgramId == 0);
        output.WriteLine($"migration: {moved.Outcome} ({string.Join(" | ", moved.Events ?? [])}); failure restoration: {restored.Outcome}");
        var runs = Assert.Single(new[] { moved, restored }, i => i.Outcome == RestorationOutcome.Running);
        Assert.Equal(moved == runs ? RestorationOutcome.HandedOver : RestorationOutcome.Abandoned, (moved == runs ? restored : moved).Outcome);
        Assert.Equal(target.Mac, runs.TargetMac);
        await AssertOneCopyFromAtLeastAsync(runs, acknowledged);
        Assert.Equal(2, target.ChildPids().Count);
        Assert.All(await _cms.ProgramsAsync(), p => Assert.Equal(1, p.RunningCopies));
    }

    [Fact]
    public async Task TargetAgentKilledMidMove_ExactlyOneCopyRunsAndTheSourceCopyIsStoppedOnlyIfItMoved()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:12:01", 1024, Program("moved", stateMb: 16));
        var target = await _cms.StartAgentAsync("02:00:00:00:12:02", 1024);
        var spare = await _cms.StartAgentAsync("02:00:00:00:12:03", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 2);
        var acknowledged = await AcknowledgedCounterAsync(source.Mac, 0);

        var id = await RequestMigrationAsync(source.Mac, 0, target.Mac);
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IRestorationGrain>(id).GetAsync(),
            v => v is not null && (v.Programs[0].Outcome != RestorationOutcome.Pending || v.FinishedAt is not null), FleetProbe.Patience, "the migration sent its restore command");
        target.Kill();

        // Killed before it registered the copy: the migration places it on the spare. Killed after: the copy lives on
        // through the target's failure restoration. Either way the source copy stops, and one copy runs.
        var migration = await FleetProbe.WaitFinishedAsync(Grains, id);
        var moved = Assert.Single(migration.Programs);
        output.WriteLine($"migration: {moved.Outcome} on {moved.TargetMac} ({string.Join(" | ", moved.Events ?? [])})");
        Assert.True(moved.SourceStopped);
        RestorationItem runs;
        if (moved.Outcome == RestorationOutcome.Running && moved.TargetMac == spare.Mac)
        {
            runs = moved;
        }
        else
        {
            Assert.Contains(moved.Outcome, new[] { RestorationOutcome.Running, RestorationOutcome.HandedOver });
            Assert.Equal(target.Mac, moved.TargetMac);
            var failure = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{target.Mac}:1");
            runs = Assert.Single(failure.Programs, i => i.ProgramId == moved.NewProgramId);
        }

        Assert.Equal(RestorationOutcome.Running, runs.Outcome);
        await AssertOneCopyFromAtLeastAsync(runs, acknowledged);
        Assert.Equal(1, source.ChildPids().Count + spare.ChildPids().Count);
    }

    [Fact]
    public async Task SiloRunningTheMigrationKilledMidMove_AnotherSiloFinishesItWithOneCopy()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:13:01", 1024, Program("moved", ramMb: 100));
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 2);
        var acknowledged = await AcknowledgedCounterAsync(source.Mac, 0);

        // No ECU fits yet: the migration waits for capacity, mid-move, without a claim, so the source copy keeps
        // checkpointing meanwhile.
        var id = await RequestMigrationAsync(source.Mac, 0, targetMac: null);
        var midway = await Eventually.ReturnsAsync(() => Grains.GetGrain<IRestorationGrain>(id).GetAsync(),
            v => v?.Programs[0] is { ClaimedAt: null, Outcome: RestorationOutcome.Pending, Detail: not null },
            FleetProbe.Patience, "the migration waits for a target, unclaimed");
        var waiting = FleetProbe.AcknowledgedVersion(await Grains.GetGrain<IEcuGrain>(source.Mac).GetAsync(), 0);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: (int)waiting + 1);
        _cms.KillSilo(_cms.SiloIndexOf(midway!.RunsOn!));
        Assert.Single(source.ChildPids());

        var target = await _cms.StartAgentAsync("02:00:00:00:13:02", 1024);
        var migration = await FleetProbe.WaitFinishedAsync(Grains, id);
        Assert.NotEqual(midway.RunsOn, migration.RunsOn);
        var moved = Assert.Single(migration.Programs);
        Assert.Equal(RestorationOutcome.Running, moved.Outcome);
        Assert.Equal(target.Mac, moved.TargetMac);
        Assert.True(moved.SourceStopped);
        Assert.Equal(1, moved.Attempts);
        await AssertOneCopyFromAtLeastAsync(moved, acknowledged);
        Assert.Empty(source.ChildPids());
        Assert.Single(target.ChildPids());
    }

    private async Task<string> RequestMigrationAsync(string mac, int programId, string? targetMac)
    {
        var response = await _cms.Http(0).PostAsJsonAsync("/api/migrations", new { mac, programId, targetMac });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<MigrationAccepted>())!.Id;
    }

    /// <summary>The counter in the newest checkpoint the CMS has acknowledged for the program now.</summary>
    /// <remarks>Checkpoints keep coming and prune old versions, so the one listed may be gone when read: read again.</remarks>
    private async Task<ulong> AcknowledgedCounterAsync(string mac, int programId) =>
        (await FleetProbe.NewestStateAsync(Grains, new CheckpointKey(mac, programId).ToString())).State.Counter;

    /// <summary>The copy continues from its checkpoint, which is no older than <paramref name="acknowledged"/>; it is the one copy that runs.</summary>
    private async Task AssertOneCopyFromAtLeastAsync(RestorationItem runs, ulong acknowledged)
    {
        await FleetProbe.AssertContinuesAsync(Grains, runs);
        var from = await FleetProbe.StateAsync(Grains, runs.ReadFrom!, runs.Version!.Value);
        Assert.True(from.Counter >= acknowledged, $"restored from counter {from.Counter}, but {acknowledged} was acknowledged before the fault");
        var program = Assert.Single(await _cms.ProgramsAsync(), p => p.Name == "moved");
        Assert.Equal(1, program.RunningCopies);
        Assert.Equal(runs.TargetMac, program.RunningCopy!.Mac);
    }

    private sealed record MigrationAccepted(string Id);
}
