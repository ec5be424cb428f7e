using System.Diagnostics;
using System.Net.Http.Json;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>Whole-system tests: real silos, real agents, real programs, real kills.</summary>
[Trait("Speed", "Process")]
[Collection(SharedCmsCollection.Name)]
public sealed class EcuFailureRestorationTests(SharedCms shared) : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private readonly CmsProcesses _cms = shared.Cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cms.EndTestAsync();

    private IGrainFactory Grains => _cms.Grains;

    internal static string Program(string name, int ramMb = 16, double stateMb = 1) =>
        $"name={name},ram-mb={ramMb},interval-ms=300,cmd=sample --state-mb {stateMb.ToString(System.Globalization.CultureInfo.InvariantCulture)} --dirty 0.05 --tick-ms 1";

    [Fact]
    public async Task AgentKilled_TenProgramsRunAgainExactlyOnceElsewhere_CountersContinue()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:01:01", 1024, [.. Enumerable.Range(0, 10).Select(i => Program($"p{i}"))]);
        var b = await _cms.StartAgentAsync("02:00:00:00:01:02", 1024);
        var c = await _cms.StartAgentAsync("02:00:00:00:01:03", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 2);
        // Equal targets, for the spread asserted below: both past their start-up's CPU burst.
        foreach (var target in new[] { b, c })
        {
            await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(target.Mac).GetAsync(),
                v => v.Window.Count >= 10 && v.Window.TakeLast(10).All(s => s.Metrics.CpuLoad < 0.1), FleetProbe.Patience, $"{target.Mac} idles");
        }

        var killed = Stopwatch.StartNew();
        source.Kill();
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(source.Mac).GetAsync(), v => v.Status == EcuStatus.Failed,
            FleetProbe.Patience, "the killed agent is declared failed");
        Assert.True(killed.Elapsed < Lease + TimeSpan.FromSeconds(1), $"declared failed after {killed.Elapsed.TotalMilliseconds:0} ms");

        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{source.Mac}:1");
        Assert.Equal(10, restoration.Programs.Count);
        Assert.All(restoration.Programs, item => Assert.Contains(item.TargetMac, new[] { b.Mac, c.Mac }));
        // A target takes its restores at once; none may trip over another's registration (program IDs go up in order).
        Assert.All(restoration.Programs, item => Assert.DoesNotContain(item.Events!, e => e.Contains("was used on ECU", StringComparison.Ordinal)));
        foreach (var item in restoration.Programs)
        {
            await FleetProbe.AssertContinuesAsync(Grains, item);
        }

        // Load spreads, and exactly ten program processes run: one per program.
        Assert.InRange(b.ChildPids().Count, 3, 7);
        Assert.Equal(10, b.ChildPids().Count + c.ChildPids().Count);
        var programs = await _cms.ProgramsAsync();
        Assert.Equal(10, programs.Count);
        Assert.All(programs, p => Assert.Equal(1, p.RunningCopies));
    }

    [Fact]
    public async Task AgentAndTheSiloHostingItsEcuGrainKilledAtOnce_DeclaredFailedWithinSiloDeathDetectionPlusLeasePlusOneSecond()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:05:01", 1024, Program("a"));
        var spare = await _cms.StartAgentAsync("02:00:00:00:05:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 1);
        var management = Grains.GetGrain<IManagementGrain>(0);
        var ecuId = Grains.GetGrain<IEcuGrain>(source.Mac).GetGrainId();
        var host = (await management.GetDetailedGrainStatistics()).Single(s => s.GrainId == ecuId).SiloAddress;

        var clock = Stopwatch.StartNew();
        source.Kill();
        _cms.KillSilo(_cms.SiloIndexOf(host.ToString()));
        await Eventually.TrueAsync(async () => !(await management.GetHosts(onlyActive: true)).ContainsKey(host),
            FleetProbe.Patience, "the killed silo is declared dead", Transient.SiloLost);
        var deathDetected = clock.Elapsed;
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(source.Mac).GetAsync(), v => v.Status == EcuStatus.Failed,
            FleetProbe.Patience, "the killed agent is declared failed", Transient.SiloLost);
        var failed = clock.Elapsed;
        Assert.True(failed <= deathDetected + Lease + TimeSpan.FromSeconds(1),
            $"declared failed after {failed.TotalMilliseconds:0} ms; the silo's death was detected after {deathDetected.TotalMilliseconds:0} ms");

        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{source.Mac}:1");
        await FleetProbe.AssertContinuesAsync(Grains, Assert.Single(restoration.Programs));
        Assert.Single(spare.ChildPids());
    }

    [Fact]
    public async Task FailureDeclaredThroughBothSilosAtOnce_OneRestorationAndASecondClaimantGetsNothing()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:02:01", 1024, Program("a"), Program("b"), Program("c"));
        var target = await _cms.StartAgentAsync("02:00:00:00:02:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 1);
        var catalogue = (await Grains.GetGrain<IEcuGrain>(source.Mac).GetAsync()).Catalogue;
        source.Kill();

        // Two external monitors at once, one per silo, and a rogue second restoration over the same programs.
        var posts = Enumerable.Range(0, 2).Select(silo => _cms.Http(silo).PostAsJsonAsync($"/api/ecus/{source.Mac}/failure", new { reason = $"monitor {silo}" }));
        var rogue = Grains.GetGrain<IRestorationGrain>("rogue").StartAsync(new RestorationRequest(
            RestorationKind.Failure, source.Mac, [.. catalogue.Where(p => p.Status == ProgramEntryStatus.Active)], "a second claimant"));
        var answers = await Task.WhenAll(posts);
        await rogue;
        var epochs = await Task.WhenAll(answers.Select(async a => (await a.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<FailureAnswer>())!.FailureEpoch));
        Assert.Equal(epochs[0], epochs[1]);

        var real = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{source.Mac}:{epochs[0]}");
        var second = await FleetProbe.WaitFinishedAsync(Grains, "rogue");
        var restored = real.Programs.Concat(second.Programs).Where(i => i.Outcome == RestorationOutcome.Running).ToList();
        Assert.Equal(3, restored.Count);
        Assert.Equal(3, real.Programs.Concat(second.Programs).Count(i => i.Outcome == RestorationOutcome.HandedOver));
        Assert.Equal(3, target.ChildPids().Count);
        Assert.All(await _cms.ProgramsAsync(), p => Assert.Equal(1, p.RunningCopies));
    }

    [Fact]
    public async Task SiloRunningTheRestorationKilledMidway_TheRestFinishesAndNothingRunsTwice()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:03:01", 1024, [.. Enumerable.Range(0, 4).Select(i => Program($"p{i}", ramMb: 100))]);
        var small = await _cms.StartAgentAsync("02:00:00:00:03:02", 260);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 1);
        source.Kill();

        // The small ECU takes what fits; the rest waits for capacity, mid-way through the restoration.
        var id = $"failure:{source.Mac}:1";
        var midway = await Eventually.ReturnsAsync(() => Grains.GetGrain<IRestorationGrain>(id).GetAsync(),
            v => v is not null && v.Programs.Count(i => i.Outcome == RestorationOutcome.Running) >= 1
                && v.Programs.Count(i => i.Outcome == RestorationOutcome.Pending && i.Detail is not null) >= 1,
            FleetProbe.Patience, "some programs run again and the others wait for capacity");
        var host = _cms.SiloIndexOf(midway!.RunsOn!);
        _cms.KillSilo(host);

        var big = await _cms.StartAgentAsync("02:00:00:00:03:03", 2048);
        var done = await FleetProbe.WaitFinishedAsync(Grains, id);
        Assert.NotEqual(midway.RunsOn, done.RunsOn);
        Assert.All(done.Programs, item => Assert.Equal(RestorationOutcome.Running, item.Outcome));
        Assert.Equal(4, small.ChildPids().Count + big.ChildPids().Count);
        Assert.All(await _cms.ProgramsAsync(), p => Assert.Equal(1, p.RunningCopies));
    }

    [Fact]
    public async Task PausedAgentDeclaredFailed_ComesBackFencedAndStopsItsOldPrograms()
    {
        var source = await _cms.StartAgentAsync("02:00:00:00:04:01", 1024, Program("a"), Program("b"));
        var target = await _cms.StartAgentAsync("02:00:00:00:04:02", 1024);
        await FleetProbe.WaitForCheckpointsAsync(Grains, source.Mac, versions: 1);
        var oldPrograms = source.ChildPids();
        Assert.Equal(2, oldPrograms.Count);

        source.Process.Signal("STOP"); // cut off: alive, but silent
        await FleetProbe.WaitFinishedAsync(Grains, $"failure:{source.Mac}:1");
        Assert.Equal(2, target.ChildPids().Count);

        source.Process.Signal("CONT");
        await Eventually.TrueAsync(() => Task.FromResult(source.ChildPids().Count == 0), FleetProbe.Patience, "the fenced agent stopped its old programs");
        var rejoined = await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(source.Mac).GetAsync(),
            v => v.Status == EcuStatus.Alive, FleetProbe.Patience, "the fenced ECU rejoined");
        Assert.DoesNotContain(rejoined.Catalogue, p => p.Status == ProgramEntryStatus.Active);
        Assert.All(oldPrograms, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"old program {pid} still runs"));
        Assert.All(await _cms.ProgramsAsync(), p => Assert.Equal(1, p.RunningCopies));
    }

    private sealed record FailureAnswer(string Mac, int FailureEpoch);
}
