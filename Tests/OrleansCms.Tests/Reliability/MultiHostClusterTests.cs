using System.Net.Http.Json;
using System.Text.Json;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Restoration;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// Three silos on three simulated hosts (network namespaces on one LAN, each with an address of its own; PostgreSQL
/// and the agents on this machine) form one cluster, and the service stays up whichever one of them is SIGKILLed:
/// the other two answer the API, agents carry on through their gateways, checkpoints go on being acknowledged, and
/// no ECU is declared failed.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class MultiHostClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Silos = 3;
    private SimulatedHosts _lan = null!;
    private PrivatePostgres _postgres = null!;
    private CmsProcesses _cms = null!;

    public async Task InitializeAsync()
    {
        _lan = SimulatedHosts.Create(Silos);
        _postgres = await PrivatePostgres.StartAsync();
        var server = await _postgres.ListenAlsoAsync(_lan.HostAddress, _lan.Subnet);
        _cms = await CmsProcesses.StartAsync(server: server, hosts: _lan.Hosts);
    }

    public async Task DisposeAsync()
    {
        // Each part goes even when the one before failed to: nothing of a test may outlive it.
        try
        {
            await _cms.DisposeAsync();
        }
        finally
        {
            try
            {
                await _postgres.DisposeAsync();
            }
            finally
            {
                _lan.Dispose();
            }
        }
    }

    [Fact]
    public async Task ThreeSilosOnThreeHosts_FormOneCluster_AndAnyOneKilledKeepsTheServiceUp()
    {
        for (var silo = 0; silo < Silos; silo++)
        {
            var each = silo;
            await Eventually.TrueAsync(async () => await ActiveSilosAsync(each) == Silos, FleetProbe.Patience,
                $"silo {each + 1} ({_lan.Hosts[each].Address}) counts {Silos} active silos");
        }

        AgentProcess[] agents =
        [
            await _cms.StartAgentAsync("02:00:00:00:11:01", 1024, EcuFailureRestorationTests.Program("a")),
            await _cms.StartAgentAsync("02:00:00:00:11:02", 1024, EcuFailureRestorationTests.Program("b")),
        ];
        foreach (var agent in agents)
        {
            await FleetProbe.WaitForCheckpointsAsync(_cms.Grains, agent.Mac, versions: 2);
        }

        var keys = AgentAcknowledgements.Newest(agents).Keys.ToList();
        for (var victim = 0; victim < Silos; victim++)
        {
            _cms.KillSilo(victim);
            await FleetProbe.WaitForNewerAsync(_cms.Grains, await FleetProbe.NewestStoredAsync(_cms.Grains, keys), more: 2,
                $"checkpoints are stored while silo {victim + 1} ({_lan.Hosts[victim].Address}) is dead");
            foreach (var survivor in Enumerable.Range(0, Silos).Where(s => s != victim))
            {
                await Eventually.TrueAsync(async () => await ActiveSilosAsync(survivor) == Silos - 1, FleetProbe.Patience,
                    $"silo {survivor + 1} answers and counts {Silos - 1} active silos");
            }

            await _cms.RestartSiloAsync(victim);
            await Eventually.TrueAsync(async () => await ActiveSilosAsync(victim) == Silos, FleetProbe.Patience,
                $"silo {victim + 1} rejoined the cluster");
            output.WriteLine($"silo {victim + 1} killed and back: {string.Join(", ", (await FleetProbe.NewestStoredAsync(_cms.Grains, keys)).Select(p => $"{p.Key} v{p.Value}"))}");
        }

        foreach (var agent in agents)
        {
            var view = await _cms.Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync();
            Assert.Equal((EcuStatus.Alive, 0), (view.Status, view.FailureEpoch));
        }

        Assert.Empty(await _cms.Grains.GetGrain<IRestorationLogGrain>(0).ListAsync());
    }

    /// <summary>How many silos the silo's own API counts as active (its view of the membership table).</summary>
    private async Task<int> ActiveSilosAsync(int silo)
    {
        try
        {
            var cluster = await _cms.Http(silo).GetFromJsonAsync<JsonElement>("/api/cluster");
            return cluster.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1; // not answering (yet)
        }
    }
}
