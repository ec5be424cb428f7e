using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// An agent cut off from every silo runs one program of each isolation policy. The <c>freeze</c> one is frozen and
/// restored elsewhere once the lease is over; the <c>continue</c> one runs on, unmoved, because a lapsed lease is no
/// confirmed failure. When the link heals the ECU rejoins fenced: it kills the frozen copy and keeps the other, whose
/// checkpoints go on under its old key.
/// </summary>
[Trait("Speed", "Process")]
[Collection(ProcessCollection.Name)]
public sealed class IsolationPolicyTests
{
    private const string IsolatedMac = "02:00:00:00:0d:01";
    private const string TargetMac = "02:00:00:00:0d:02";

    // The sampler tells copies apart by their seed: "runs-on" is declared with seed 2.
    private const string RunsOnCopies = "seed 2";

    [Fact]
    public async Task AgentCutOff_TheFreezeProgramMovesFrozen_TheContinueProgramRunsOnUnmovedAndStaysWithTheRejoinedEcu()
    {
        using var network = NetworkNamespace.Create();
        await using var cms = await CmsProcesses.StartAsync(silos: 1, advertisedIp: network.HostAddress);
        var isolated = await cms.StartAgentAsync(IsolatedMac, 1024,
            [ProgramCopySampler.SeededProgram("frozen", 1), ProgramCopySampler.SeededProgram("runs-on", 2, isolation: "continue")],
            waitForPrograms: true, network);
        var target = await cms.StartAgentAsync(TargetMac, 1024);
        await FleetProbe.WaitForCheckpointsAsync(cms.Grains, isolated.Mac, versions: 2);
        var before = await cms.Grains.GetGrain<IEcuGrain>(isolated.Mac).GetAsync();
        var runsOnId = before.Catalogue.Single(p => p.Program.Name == "runs-on").ProgramId;
        var runsOnPid = isolated.ChildPids().Single(pid => ProgramCopySampler.ProgramOf(pid) == RunsOnCopies);

        await using (var sampler = CopySampling.Start(isolated, target))
        {
            network.Cut();
            var restoration = await FleetProbe.WaitFinishedAsync(cms.Grains, $"failure:{isolated.Mac}:1");
            Assert.Equal(["frozen"], restoration.Programs.Select(p => p.Name));
            Assert.Equal('T', OrleansCms.Programs.ProcessTree.State(isolated.ChildPids().Single(pid => pid != runsOnPid)));
            Assert.NotEqual('T', OrleansCms.Programs.ProcessTree.State(runsOnPid));

            network.Heal();
            var rejoined = await Eventually.ReturnsAsync(() => cms.Grains.GetGrain<IEcuGrain>(isolated.Mac).GetAsync(),
                v => v.Status == EcuStatus.Alive && FleetProbe.AcknowledgedVersion(v, runsOnId) > FleetProbe.AcknowledgedVersion(before, runsOnId) + 2,
                FleetProbe.Patience, "the rejoined ECU checkpoints the program that ran on again");
            Assert.Equal(ProgramEntryStatus.Active, rejoined.Catalogue.Single(p => p.ProgramId == runsOnId).Status);
            Assert.Equal([runsOnPid], isolated.ChildPids());
            await Task.Delay(ProgramCopySampler.Period * 2); // the sampler sees the end state too

            Assert.True(sampler.MaxUnfrozenCopies == 1, $"two unfrozen copies of one program ran at once:{Environment.NewLine}{sampler}");
            Assert.Equal([runsOnPid], sampler.CopiesOf(RunsOnCopies).Select(c => c.Pid));
            Assert.Null(sampler.CopiesOf(RunsOnCopies).Single().FirstFrozen);
        }

        var restorations = await cms.Grains.GetGrain<IRestorationLogGrain>(0).ListAsync();
        Assert.Equal([$"failure:{isolated.Mac}:1"], restorations.Select(r => r.Id));
        var programs = await FleetProbe.ProgramsAsync(cms.Grains);
        Assert.Equal(2, programs.Count);
        Assert.All(programs, p => Assert.Equal(1, p.RunningCopies));
    }
}
