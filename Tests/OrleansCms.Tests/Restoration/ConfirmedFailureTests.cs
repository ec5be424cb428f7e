using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>
/// A lapsed lease moves only the programs that freeze while cut off; one that runs on
/// (<see cref="IsolationPolicy.Continue"/>) waits for a confirmed failure (an operator's or a monitor's declaration).
/// On the two-silo cluster, with ECUs played by the test.
/// </summary>
[Collection(RestorationClusterCollection.Name)]
public sealed class ConfirmedFailureTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Cluster.Client;

    [Fact]
    public async Task LeaseLapsed_TheProgramThatRunsOnWaitsForTheDeclaration_WhichMovesItOnce()
    {
        await using var source = await FakeEcu.StartAsync(Client);
        await using var target = await FakeEcu.StartAsync(Client, cpuLoad: 0.0);
        await CheckpointedProgramAsync(source, "freezes", IsolationPolicy.Freeze);
        var runsOn = await CheckpointedProgramAsync(source, "runs-on", IsolationPolicy.Continue);

        await source.StopHeartbeatsAsync();
        var lapsed = await FinishedAsync($"failure:{source.Mac}:1");

        Assert.Equal(["freezes"], lapsed.Programs.Select(p => p.Name));
        var cutOff = await source.Grain.GetAsync();
        Assert.Equal(ProgramEntryStatus.Active, cutOff.Catalogue.Single(p => p.ProgramId == runsOn.ProgramId).Status);
        Assert.Null(await Client.GetGrain<IRestorationGrain>($"confirmed:{source.Mac}:1").GetAsync());

        Assert.Equal(1, await source.Grain.DeclareFailedAsync("the operator saw it dead"));
        var confirmed = await FinishedAsync($"confirmed:{source.Mac}:1");

        var item = Assert.Single(confirmed.Programs);
        Assert.Equal(("runs-on", RestorationOutcome.Running), (item.Name, item.Outcome));
        Assert.Equal(1, await source.Grain.DeclareFailedAsync("declared again"));
        Assert.Contains("confirmed: the operator saw it dead", (await source.Grain.GetAsync()).FailureReason, StringComparison.Ordinal);
    }

    private async Task<CheckpointKey> CheckpointedProgramAsync(FakeEcu ecu, string name, IsolationPolicy isolation)
    {
        var id = await ecu.AddProgramAsync(name, isolation);
        var key = new CheckpointKey(ecu.Mac, id);
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(50_000, seed: id + 7), version: 1, name: name);
        var result = await fixture.OfferAsync(Client.GetGrain<ICheckpointGrain>(key.ToString()), checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));
        Assert.True(result.IsAcknowledged);
        return key;
    }

    private Task<RestorationView> FinishedAsync(string id) =>
        Eventually.ReturnsAsync(() => Client.GetGrain<IRestorationGrain>(id).GetAsync()!, v => v?.FinishedAt is not null,
            TimeSpan.FromSeconds(60), $"restoration {id} finished")!;
}
