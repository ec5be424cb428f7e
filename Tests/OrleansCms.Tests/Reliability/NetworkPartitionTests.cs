using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// An agent in a network namespace of its own loses its link to every silo. Its lease lapses on its own clock
/// first, so it freezes its programs before the CMS may restore them elsewhere: at no sampled instant do two
/// unfrozen copies of one program run. When the link heals it learns it was fenced and kills the frozen copies.
/// A cut of 1 s, as long as the agent's own lease (so its programs may freeze) and longer than TCP's retransmission
/// back-off alone lets the heartbeats survive, restores nothing and leaves every program running: the agent's lease
/// datagrams reach the CMS as soon as the link heals ("lease datagrams" in docs/architecture.md).
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class NetworkPartitionTests
{
    private const string IsolatedMac = "02:00:00:00:0c:01";
    private const string TargetMac = "02:00:00:00:0c:02";


    private static readonly string[] Programs = [ProgramCopySampler.SeededProgram("a", 1, stateMb: 1), ProgramCopySampler.SeededProgram("b", 2, stateMb: 1), ProgramCopySampler.SeededProgram("c", 3, stateMb: 1)];

    [Fact]
    public async Task AgentCutOff_FreezesItsCopiesBeforeTheReplacementsStart_NeverTwoUnfrozenCopies_KillsThemWhenFenced()
    {
        using var network = NetworkNamespace.Create();
        // The silos advertise the host's end of the link, which the agent inside can reach and which stays a local
        // address of the host while the link is cut, so the silos keep talking among themselves.
        await using var cms = await CmsProcesses.StartAsync(silos: 2, advertisedIp: network.HostAddress);
        var isolated = await cms.StartAgentAsync(IsolatedMac, 1024, Programs, waitForPrograms: true, network);
        var target = await cms.StartAgentAsync(TargetMac, 1024);
        await FleetProbe.WaitForCheckpointsAsync(cms.Grains, isolated.Mac, versions: 2);
        var oldCopies = isolated.ChildPids();
        Assert.Equal(3, oldCopies.Count);
        RestorationView restoration;
        await using (var sampler = CopySampling.Start(isolated, target))
        {
            network.Cut();
            restoration = await FleetProbe.WaitFinishedAsync(cms.Grains, $"failure:{isolated.Mac}:1");
            Assert.Equal(3, target.ChildPids().Count);

            // Cut off, not dead: the old copies are still there, every one of them frozen.
            Assert.False(isolated.HasExited);
            Assert.Equal(oldCopies.Order(), isolated.ChildPids().Order());
            Assert.All(oldCopies, pid => Assert.Equal('T', OrleansCms.Programs.ProcessTree.State(pid)));

            network.Heal();
            await Eventually.TrueAsync(() => Task.FromResult(isolated.ChildPids().Count == 0), FleetProbe.Patience,
                "the agent, fenced once it reached a silo again, killed its frozen copies");
            await Task.Delay(ProgramCopySampler.Period * 2); // the sampler sees the end state too

            Assert.True(sampler.Samples > 20, $"only {sampler.Samples} samples");
            Assert.True(sampler.MaxUnfrozenCopies == 1, $"two unfrozen copies of one program ran at once:{Environment.NewLine}{sampler}");
            foreach (var program in sampler.MaxUnfrozenByProgram.Keys)
            {
                var copies = sampler.CopiesOf(program);
                var old = Assert.Single(copies, c => oldCopies.Contains(c.Pid));
                var replacement = Assert.Single(copies, c => !oldCopies.Contains(c.Pid));
                Assert.True(old.FirstFrozen < replacement.FirstSeen, $"{program}: the replacement started before the old copy was frozen:{Environment.NewLine}{sampler}");
                Assert.Null(replacement.FirstFrozen);
            }
        }

        Assert.Equal(3, restoration.Programs.Count);
        foreach (var item in restoration.Programs)
        {
            Assert.Equal(target.Mac, item.TargetMac);
            await FleetProbe.AssertContinuesAsync(cms.Grains, item);
        }

        Assert.All(oldCopies, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"old copy {pid} still runs"));
        var rejoined = await Eventually.ReturnsAsync(() => cms.Grains.GetGrain<IEcuGrain>(isolated.Mac).GetAsync(),
            v => v.Status == EcuStatus.Alive, FleetProbe.Patience, "the fenced ECU rejoined as a fresh one");
        Assert.DoesNotContain(rejoined.Catalogue, p => p.Status == ProgramEntryStatus.Active);
        var programs = await FleetProbe.ProgramsAsync(cms.Grains);
        Assert.Equal(3, programs.Count);
        Assert.All(programs, p => Assert.Equal(1, p.RunningCopies));
    }

    [Fact]
    public async Task CutShorterThanTheLease_RestoresNothing_EveryCopyRunsOnUnfrozen()
    {
        using var network = NetworkNamespace.Create();
        await using var cms = await CmsProcesses.StartAsync(silos: 1, advertisedIp: network.HostAddress);
        var isolated = await cms.StartAgentAsync(IsolatedMac, 1024, Programs, waitForPrograms: true, network);
        await cms.StartAgentAsync(TargetMac, 1024);
        var before = await FleetProbe.WaitForCheckpointsAsync(cms.Grains, isolated.Mac, versions: 2);
        var copies = isolated.ChildPids();
        Assert.Equal(3, copies.Count);

        // The silence the CMS sees is at most a heartbeat interval (500 ms) + the cut + one datagram interval (100 ms),
        // well inside the lease (2 s); over TCP alone the retransmission back-off after the heal (200, 400, 800 ms, ...)
        // could add most of another second.
        network.Cut();
        await Task.Delay(TimeSpan.FromSeconds(1));
        network.Heal();

        var after = await Eventually.ReturnsAsync(() => cms.Grains.GetGrain<IEcuGrain>(isolated.Mac).GetAsync(),
            v => v.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).All(p => FleetProbe.AcknowledgedVersion(v, p.ProgramId) > FleetProbe.AcknowledgedVersion(before, p.ProgramId) + 2),
            FleetProbe.Patience, "every program checkpointed again after the cut");
        Assert.Equal(EcuStatus.Alive, after.Status);
        Assert.Equal(0, after.FailureEpoch);
        Assert.Equal(copies.Order(), isolated.ChildPids().Order());
        Assert.All(copies, pid => Assert.NotEqual('T', OrleansCms.Programs.ProcessTree.State(pid)));
        Assert.Empty(await cms.Grains.GetGrain<IRestorationLogGrain>(0).ListAsync());
    }
}
