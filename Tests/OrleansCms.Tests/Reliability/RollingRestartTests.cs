using System.Globalization;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Restoration;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// An upgrade's rolling restart: every silo in turn is stopped gracefully (SIGTERM) and started again while agents
/// checkpoint. Ingest and liveness go on through the others: no ECU is declared failed, nothing is restored, every
/// program keeps its process, and every checkpoint an agent saw acknowledged is read back afterwards.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class RollingRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Silos = 2;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private CmsProcesses _cms = null!;

    public async Task InitializeAsync() => _cms = await CmsProcesses.StartAsync(silos: Silos);

    public Task DisposeAsync() => _cms.DisposeAsync().AsTask();

    private IGrainFactory Grains => _cms.Grains;

    [Fact]
    public async Task EverySiloRestartedInTurn_IngestAndLivenessGoOn_NothingLostNothingRestored()
    {
        AgentProcess[] agents =
        [
            await _cms.StartAgentAsync("02:00:00:00:10:01", 1024, EcuFailureRestorationTests.Program("a"), EcuFailureRestorationTests.Program("b")),
            await _cms.StartAgentAsync("02:00:00:00:10:02", 1024, EcuFailureRestorationTests.Program("c")),
        ];
        foreach (var agent in agents)
        {
            await FleetProbe.WaitForCheckpointsAsync(Grains, agent.Mac, versions: 2);
        }

        var copies = agents.SelectMany(a => a.ChildPids()).Order().ToList();
        var keys = AgentAcknowledgements.Newest(agents).Keys.ToList();
        Assert.Equal(3, copies.Count);

        for (var silo = 0; silo < Silos; silo++)
        {
            var exit = await _cms.StopSiloAsync(silo, Grace);
            Assert.True(exit == 0, $"silo {silo + 1} did not stop by itself within {Grace.TotalSeconds} s of SIGTERM (exit {exit?.ToString(CultureInfo.InvariantCulture) ?? "SIGKILL"})");

            // With one silo down, every program's checkpoints are still stored, through the other.
            await FleetProbe.WaitForNewerAsync(Grains, await FleetProbe.NewestStoredAsync(Grains, keys), more: 2,
                $"every program is stored again while silo {silo + 1} is down");
            await _cms.RestartSiloAsync(silo);
            output.WriteLine($"silo {silo + 1} restarted: {string.Join(", ", (await FleetProbe.NewestStoredAsync(Grains, keys)).Select(p => $"{p.Key} v{p.Value}"))}");
        }

        // After a round of restarts, ingest goes on through the restarted silos too.
        await FleetProbe.WaitForNewerAsync(Grains, await FleetProbe.NewestStoredAsync(Grains, keys), more: 2,
            "every program is stored after the rolling restart");

        foreach (var agent in agents)
        {
            var view = await Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync();
            Assert.Equal((EcuStatus.Alive, 0), (view.Status, view.FailureEpoch));
        }

        Assert.Empty(await Grains.GetGrain<IRestorationLogGrain>(0).ListAsync());
        Assert.Equal(copies, agents.SelectMany(a => a.ChildPids()).Order());
        foreach (var (key, version) in AgentAcknowledgements.Newest(agents))
        {
            var (stored, _) = await FleetProbe.NewestStateAsync(Grains, key);
            Assert.True(stored >= version, $"{key}: v{version} was acknowledged, the newest stored is v{stored}");
        }
    }
}
