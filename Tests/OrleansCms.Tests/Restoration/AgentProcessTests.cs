using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>The agent as a real process: its programs, its measurements, crashes, and CMS outages.</summary>
[Trait("Speed", "Process")]
[Collection(SharedCmsCollection.Name)]
public sealed partial class AgentProcessTests(SharedCms shared) : IAsyncLifetime
{
    private readonly CmsProcesses _cms = shared.Cms;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cms.EndTestAsync();

    private IGrainFactory Grains => _cms.Grains;

    [Fact]
    public async Task Agent_RunsItsProgram_CheckpointsAreStoredAndHeartbeatsCarryRealMeasurements()
    {
        var agent = await _cms.StartAgentAsync("02:00:00:00:14:01", 512, EcuFailureRestorationTests.Program("counter", stateMb: 2));
        var view = await FleetProbe.WaitForCheckpointsAsync(Grains, agent.Mac, versions: 2);

        var program = Assert.Single(view.Programs);
        Assert.True(program.Running);
        // The process tests run as production does: over mutual TLS (a silo without it warns at start).
        Assert.DoesNotContain(_cms.SiloOutput(0, lines: int.MaxValue), line => line.Contains("No TLS", StringComparison.Ordinal));
        Assert.True(program.RssBytes > 2 << 20, $"the program's resident memory is {program.RssBytes} bytes");
        Assert.Equal(512L << 20, view.Metrics!.RamTotalBytes);
        Assert.True(view.Metrics.RamUsedBytes > program.RssBytes, "the ECU's RAM includes its program and its agent");
        var key = new CheckpointKey(agent.Mac, program.ProgramId).ToString();
        // Checkpoints keep coming and prune old versions, so a version listed may be gone when read: read again.
        var (older, newer) = await Eventually.ReturnsAsync(async () =>
        {
            var versions = await Grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync();
            return (await FleetProbe.StateAsync(Grains, key, versions[1].Version), await FleetProbe.StateAsync(Grains, key, versions[0].Version));
        }, _ => true, FleetProbe.Patience, "two stored versions are read back", Transient.VersionPruned);
        Assert.True(newer.Counter > older.Counter, "the counter advances between checkpoints");
        Assert.Equal(2UL << 20, newer.ImageLength);
        Assert.Contains(agent.Output, line => line.Contains($"Checkpoint {key} v", StringComparison.Ordinal) && line.Contains("acknowledged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProgramKilled_ReportedAndRestoredOnItsOwnEcuFromItsLastCheckpoint()
    {
        var agent = await _cms.StartAgentAsync("02:00:00:00:06:01", 512, EcuFailureRestorationTests.Program("counter"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, agent.Mac, versions: 2);
        var pid = Assert.Single(agent.ChildPids());

        System.Diagnostics.Process.GetProcessById(pid).Kill();

        var crash = await FleetProbe.WaitFinishedAsync(Grains, $"crash:{agent.Mac}:0");
        var item = Assert.Single(crash.Programs);
        Assert.Equal(agent.Mac, item.TargetMac);
        await FleetProbe.AssertContinuesAsync(Grains, item);
        Assert.NotEqual(pid, Assert.Single(agent.ChildPids()));
        var entry = (await Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync()).Catalogue.Single(p => p.ProgramId == 0);
        Assert.Equal(ProgramEntryStatus.Retired, entry.Status);
        Assert.Equal(new CheckpointKey(agent.Mac, item.NewProgramId!.Value).ToString(), entry.Successor);
        Assert.Contains(agent.Output, line => line.Contains("crashed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AllGatewaysGoneAndBack_ProgramKeepsRunningAndNoCheckpointIsLost()
    {
        var agent = await _cms.StartAgentAsync("02:00:00:00:07:01", 512, EcuFailureRestorationTests.Program("counter"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, agent.Mac, versions: 2);
        var pid = Assert.Single(agent.ChildPids());

        _cms.KillSilo(0);
        _cms.KillSilo(1);
        await Eventually.TrueAsync(() => Task.FromResult(agent.Output.Any(l => l.Contains("CMS unreachable", StringComparison.Ordinal))),
            FleetProbe.Patience, "the agent notices that no gateway answers");
        var lastBefore = AcknowledgedVersions(agent).Max();
        await Task.WhenAll(_cms.RestartSiloAsync(0), _cms.RestartSiloAsync(1));

        // Versions taken while the CMS was away are acknowledged once it is back: no gap, none dropped.
        var acknowledged = await Eventually.ReturnsAsync(() => Task.FromResult(AcknowledgedVersions(agent)),
            versions => versions.Max() >= lastBefore + 5, FleetProbe.Patience, "the agent catches up");
        Assert.Equal(Enumerable.Range(1, (int)acknowledged.Max()).Select(v => (long)v), acknowledged.Order());
        Assert.Equal(pid, Assert.Single(agent.ChildPids()));
        Assert.Equal(EcuStatus.Alive, (await Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync()).Status);
    }

    [Fact]
    public async Task AgentTerminated_StopsItsProgramsExitsZeroAndItsEcuIsDeclaredFailed()
    {
        var agent = await _cms.StartAgentAsync("02:00:00:00:14:03", 512,
            EcuFailureRestorationTests.Program("counter"), EcuFailureRestorationTests.Program("other"));
        // Both started (a program still starting is killed too, but by its start being cancelled).
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync(),
            v => v.Programs.Count == 2 && v.Programs.All(p => p.LastAcknowledgedVersion >= 1), FleetProbe.Patience, "both programs checkpointed");
        var programs = agent.ChildPids();
        Assert.Equal(2, programs.Count);
        var spare = await _cms.StartAgentAsync("02:00:00:00:14:04", 512);

        agent.Process.Signal("TERM");

        Assert.Equal(0, await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        // A program left behind would be orphaned, still running with nobody to checkpoint or stop it.
        Assert.All(programs, pid => Assert.False(IsRunning(pid), $"program process {pid} still runs after its agent exited{Environment.NewLine}{agent}"));
        var stopped = agent.Output.Count(line => line.Contains("stopped: the agent is shutting down", StringComparison.Ordinal));
        Assert.True(stopped == 2, $"{stopped} programs logged as stopped{Environment.NewLine}{agent}");
        // Its heartbeats stopped with it, so the CMS declares the ECU failed and restores what it ran.
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync(), v => v.Status == EcuStatus.Failed,
            FleetProbe.Patience, "the ECU of the stopped agent is declared failed");
        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{agent.Mac}:1");
        Assert.Equal(2, restoration.Programs.Count);
        Assert.All(restoration.Programs, item => Assert.Equal((RestorationOutcome.Running, spare.Mac), (item.Outcome, item.TargetMac)));
    }

    [Fact]
    public async Task CertificateRevoked_TheAgentStopsItsProgramsAndExits_AndTheyRunAgainElsewhere()
    {
        var agent = await _cms.StartAgentAsync("02:00:00:00:14:05", 512, EcuFailureRestorationTests.Program("counter"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, agent.Mac, versions: 1);
        var program = Assert.Single(agent.ChildPids());
        var spare = await _cms.StartAgentAsync("02:00:00:00:14:06", 512);

        using var revocation = await _cms.Http(0).PostAsJsonAsync("/api/revocations", new
        {
            certificate = await File.ReadAllTextAsync(TestCertificates.Get().Certificate(FleetIdentity.Ecu(agent.Mac))),
            reason = "the test revokes it",
        });
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

        // Refused at its next heartbeat, the agent stops its program rather than leave it frozen for good, and exits.
        Assert.Equal(0, await agent.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(IsRunning(program), $"program process {program} still runs after its agent's certificate was revoked{Environment.NewLine}{agent}");
        Assert.Contains(agent.Output, line => line.Contains("its certificate was revoked", StringComparison.Ordinal));
        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{agent.Mac}:1");
        var restored = Assert.Single(restoration.Programs);
        Assert.Equal((RestorationOutcome.Running, spare.Mac), (restored.Outcome, restored.TargetMac));
    }

    /// <summary>Whether the process exists and is not a zombie (killed, but not yet reaped by its new parent).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<long> AcknowledgedVersions(AgentProcess agent) =>
        [.. agent.Output.Select(line => AcknowledgedLine().Match(line)).Where(m => m.Success)
            .Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct()];

    [GeneratedRegex(@"Checkpoint \S+/0 v(\d+) acknowledged")]
    private static partial Regex AcknowledgedLine();
}
