using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Fencing;

/// <summary>
/// An operator declares a live ECU failed. Its agent still holds its lease, so the CMS starts the replacements only
/// once that lease is over by its own clock; the agent learns of the failure at its next heartbeat and kills its
/// copies. At no sampled instant do two unfrozen copies of one program run.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SharedCmsCollection.Name)]
public sealed class DeclaredFailureTests(SharedCms shared) : IAsyncLifetime
{
    private readonly CmsProcesses _cms = shared.Cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cms.EndTestAsync();

    [Fact]
    public async Task OperatorDeclaresALiveEcuFailed_ReplacementsWaitForItsLease_NeverTwoUnfrozenCopies()
    {
        var live = await _cms.StartAgentAsync("02:00:00:00:0f:01", 1024, [ProgramCopySampler.SeededProgram("a", 21), ProgramCopySampler.SeededProgram("b", 22)], waitForPrograms: true);
        var target = await _cms.StartAgentAsync("02:00:00:00:0f:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(_cms.Grains, live.Mac, versions: 2);
        var oldCopies = live.ChildPids();
        Assert.Equal(2, oldCopies.Count);

        await using (var sampler = CopySampling.Start(live, target))
        {
            var epoch = await _cms.Grains.GetGrain<IEcuGrain>(live.Mac).DeclareFailedAsync("declared by the test operator");
            var restoration = await FleetProbe.WaitFinishedAsync(_cms.Grains, $"failure:{live.Mac}:{epoch}");
            Assert.Equal(2, restoration.Programs.Count);
            Assert.All(restoration.Programs, item => Assert.Equal(target.Mac, item.TargetMac));
            await Eventually.TrueAsync(() => Task.FromResult(target.ChildPids().Count == 2), FleetProbe.Patience, "both copies run on the target");
            await Task.Delay(ProgramCopySampler.Period * 2); // the sampler sees the end state too

            Assert.True(sampler.MaxUnfrozenCopies == 1, $"two unfrozen copies of one program ran at once:{Environment.NewLine}{sampler}");
            foreach (var program in sampler.MaxUnfrozenByProgram.Keys)
            {
                var copies = sampler.CopiesOf(program);
                var old = Assert.Single(copies, c => oldCopies.Contains(c.Pid));
                var replacement = Assert.Single(copies, c => !oldCopies.Contains(c.Pid));
                Assert.True(old.LastSeen < replacement.FirstSeen || old.FirstFrozen < replacement.FirstSeen,
                    $"{program}: the replacement started while the old copy ran:{Environment.NewLine}{sampler}");
            }
        }

        Assert.All(oldCopies, pid => Assert.False(Programs.ProcessLiveness.IsRunning(pid), $"old copy {pid} still runs"));
    }

    [Fact]
    public async Task ProgramThatNeverCheckpointed_SurvivesAFalseFailure_RestartedFromItsDeclaration()
    {
        // A checkpoint interval of ten minutes: it has none when its ECU is declared failed.
        var live = await _cms.StartAgentAsync("02:00:00:00:0f:03", 1024,
            ["name=slow,ram-mb=16,interval-ms=600000,cmd=sample --state-mb 0.25 --tick-ms 1 --seed 23"], waitForPrograms: true);
        var target = await _cms.StartAgentAsync("02:00:00:00:0f:04", 1024);
        var old = Assert.Single(await Eventually.ReturnsAsync(() => Task.FromResult(live.ChildPids()), pids => pids.Count == 1,
            FleetProbe.Patience, "the program runs"));

        var epoch = await _cms.Grains.GetGrain<IEcuGrain>(live.Mac).DeclareFailedAsync("a false alarm of the test's monitor");
        var restoration = await FleetProbe.WaitFinishedAsync(_cms.Grains, $"failure:{live.Mac}:{epoch}");

        var item = Assert.Single(restoration.Programs);
        Assert.Equal((OrleansCms.Restoration.RestorationOutcome.Running, target.Mac), (item.Outcome, item.TargetMac));
        await Eventually.TrueAsync(() => Task.FromResult(target.ChildPids().Count == 1), FleetProbe.Patience, "it runs on the target");
        await Programs.ProcessLiveness.AssertGoneAsync(old, FleetProbe.Patience);
        var programs = await _cms.ProgramsAsync();
        Assert.Equal(1, Assert.Single(programs).RunningCopies);
    }
}
