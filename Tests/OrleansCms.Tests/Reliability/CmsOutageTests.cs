using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Programs;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// The whole CMS goes away for 10 s (five leases): every silo killed and PostgreSQL stopped. Every agent's lease lapses, so every
/// program is frozen (nobody can tell this from a partition); when the CMS is back the recovery grace lets the
/// agents renew their leases, so no ECU is declared failed, nothing is restored, and every copy runs on.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class CmsOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private PrivatePostgres _postgres = null!;
    private CmsProcesses _cms = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PrivatePostgres.StartAsync();
        _cms = await CmsProcesses.StartAsync(silos: 2, server: _postgres.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        // The private server goes even when the CMS's teardown failed: nothing of a test may outlive it.
        try
        {
            await _cms.DisposeAsync();
        }
        finally
        {
            await _postgres.DisposeAsync();
        }
    }


    [Fact]
    public async Task AllSilosAndPostgresDownForFiveLeases_ProgramsFrozenThenThawed_NoFalseFailureNoRestoration()
    {
        var a = await _cms.StartAgentAsync("02:00:00:00:0e:01", 1024, [ProgramCopySampler.SeededProgram("a", 11), ProgramCopySampler.SeededProgram("b", 12)], waitForPrograms: true);
        var b = await _cms.StartAgentAsync("02:00:00:00:0e:02", 1024, [ProgramCopySampler.SeededProgram("c", 13)], waitForPrograms: true);
        var before = new Dictionary<string, EcuView>
        {
            [a.Mac] = await FleetProbe.WaitForCheckpointsAsync(_cms.Grains, a.Mac, versions: 2),
            [b.Mac] = await FleetProbe.WaitForCheckpointsAsync(_cms.Grains, b.Mac, versions: 2),
        };
        IReadOnlyList<int> copies = [.. a.ChildPids(), .. b.ChildPids()];
        Assert.Equal(3, copies.Count);

        await using (var sampler = CopySampling.Start(a, b))
        {
            _cms.KillSilo(0);
            _cms.KillSilo(1);
            await _postgres.StopAsync();
            await Eventually.TrueAsync(() => Task.FromResult(copies.All(pid => ProcessTree.State(pid) == 'T')), Outage,
                "every program is frozen once its agent's lease lapsed");
            await Task.Delay(Outage); // the outage itself, not a wait for a result

            await _postgres.StartAgainAsync();
            await Task.WhenAll(_cms.RestartSiloAsync(0), _cms.RestartSiloAsync(1));
            await Eventually.TrueAsync(() => Task.FromResult(copies.All(pid => ProcessTree.State(pid) is 'S' or 'R')), FleetProbe.Patience,
                "every program is thawed once its agent renewed its lease");
            Assert.Equal(1, sampler.MaxUnfrozenCopies);
        }

        foreach (var agent in new[] { a, b })
        {
            var view = await Eventually.ReturnsAsync(() => _cms.Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync(),
                v => v.Programs.Count > 0 && v.Programs.All(p => p.LastAcknowledgedVersion > FleetProbe.AcknowledgedVersion(before[agent.Mac], p.ProgramId) + 2),
                FleetProbe.Patience, $"{agent.Mac}'s programs checkpoint again", Transient.SiloLost);
            Assert.Equal(EcuStatus.Alive, view.Status);
            Assert.Equal(0, view.FailureEpoch);
            output.WriteLine($"{agent.Mac}: {string.Join(", ", view.Programs.Select(p => $"#{p.ProgramId} v{p.LastAcknowledgedVersion}"))}");
        }

        Assert.Equal(copies.Order(), a.ChildPids().Concat(b.ChildPids()).Order());
        Assert.Empty(await _cms.Grains.GetGrain<IRestorationLogGrain>(0).ListAsync());
    }
}
