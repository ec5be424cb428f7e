using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using static OrleansCms.Tests.Restoration.EcuFailureRestorationTests;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// An agent in a network namespace of its own loses its link to every silo: it is declared failed and its programs
/// are restored elsewhere while its own copies still run; when the link heals it is fenced and stops them.
/// </summary>
[Trait("Speed", "Process")]
[Collection(ProcessCollection.Name)]
public sealed class NetworkPartitionTests
{
    [SkippableFact]
    public async Task AgentCutOff_RestoredElsewhere_FencedWhenTheLinkHeals_OneCopyOfEachProgramRuns()
    {
        var (network, refusal) = NetworkNamespace.TryCreate();
        Skip.If(network is null, $"this host does not allow network namespaces (root and CAP_NET_ADMIN needed): {refusal}");
        using var link = network;
        // The silos advertise the host's end of the link, which the agent inside can reach and which stays a local
        // address of the host while the link is cut, so the silos keep talking among themselves.
        await using var cms = await CmsProcesses.StartAsync(silos: 2, advertisedIp: network!.HostAddress);
        var isolated = await cms.StartAgentAsync("02:00:00:00:0c:01", 1024, [Program("a"), Program("b"), Program("c")], waitForPrograms: true, network);
        var target = await cms.StartAgentAsync("02:00:00:00:0c:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(cms.Grains, isolated.Mac, versions: 2);
        var oldCopies = isolated.ChildPids();
        Assert.Equal(3, oldCopies.Count);

        network.Cut();
        var restoration = await FleetProbe.WaitFinishedAsync(cms.Grains, $"failure:{isolated.Mac}:1");
        Assert.Equal(3, restoration.Programs.Count);
        foreach (var item in restoration.Programs)
        {
            Assert.Equal(target.Mac, item.TargetMac);
            await FleetProbe.AssertContinuesAsync(cms.Grains, item);
        }

        // A partition, not a death: the isolated agent still runs its old copies, unaware.
        Assert.False(isolated.HasExited);
        Assert.Equal(oldCopies.Order(), isolated.ChildPids().Order());

        network.Heal();
        await Eventually.TrueAsync(() => Task.FromResult(isolated.ChildPids().Count == 0), FleetProbe.Patience,
            "the agent, fenced once it reached a silo again, stopped its old copies");
        Assert.All(oldCopies, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"old copy {pid} still runs"));
        var rejoined = await Eventually.ReturnsAsync(() => cms.Grains.GetGrain<IEcuGrain>(isolated.Mac).GetAsync(),
            v => v.Status == EcuStatus.Alive, FleetProbe.Patience, "the fenced ECU rejoined as a fresh one");
        Assert.DoesNotContain(rejoined.Catalogue, p => p.Status == ProgramEntryStatus.Active);

        Assert.Equal(3, target.ChildPids().Count);
        var programs = await FleetProbe.ProgramsAsync(cms.Grains);
        Assert.Equal(3, programs.Count);
        Assert.All(programs, p => Assert.Equal(1, p.RunningCopies));
    }
}
