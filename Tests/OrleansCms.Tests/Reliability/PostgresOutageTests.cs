using System.Diagnostics;
using System.Net;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Restoration;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Reliability;

/// <summary>
/// PostgreSQL goes away for 15 s in the middle of ingest and while an ECU fails: the silos stay up and say
/// they are degraded, agents keep their unacknowledged checkpoints, nothing acknowledged is lost, and
/// ingest and the restoration resume once the server is back.
/// </summary>
[Trait("Speed", "Process"), Trait(TestLane.Trait, TestLane.Faults)]
[Collection(ProcessCollection.Name)]
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(15);
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

    private IGrainFactory Grains => _cms.Grains;

    [Fact]
    public async Task OutageDuringIngestAndAnEcuFailure_NothingAcknowledgedIsLost_AndAllResumes()
    {
        var failing = await _cms.StartAgentAsync("02:00:00:00:0b:01", 1024,
            EcuFailureRestorationTests.Program("a"), EcuFailureRestorationTests.Program("b"));
        var steady = await _cms.StartAgentAsync("02:00:00:00:0b:02", 1024, EcuFailureRestorationTests.Program("c"));
        await FleetProbe.WaitForCheckpointsAsync(Grains, failing.Mac, versions: 2);
        var before = await FleetProbe.WaitForCheckpointsAsync(Grains, steady.Mac, versions: 2);
        var steadyProgram = before.Programs.Single().ProgramId;
        var ackedBefore = before.Programs.Single().LastAcknowledgedVersion;
        var steadyKey = new CheckpointKey(steady.Mac, steadyProgram).ToString();

        await _postgres.StopAsync();
        var down = Stopwatch.StartNew();
        failing.Kill(); // its lease runs out while nothing can be written
        await Eventually.TrueAsync(async () => await HealthAsync(0) == HttpStatusCode.ServiceUnavailable && await HealthAsync(1) == HttpStatusCode.ServiceUnavailable,
            Outage, "both silos report degraded health");
        var stalled = await AcknowledgedAsync(steady.Mac, steadyProgram);

        await Task.Delay(Outage - down.Elapsed); // the outage itself, not a wait for a result
        var duringOutage = await AcknowledgedAsync(steady.Mac, steadyProgram);
        Assert.True(duringOutage <= stalled + 1, $"checkpoints were acknowledged without a database: v{stalled} → v{duringOutage}");
        Assert.True(_cms.SiloRunning(0) && _cms.SiloRunning(1), "a silo died during the outage");

        await _postgres.StartAgainAsync();
        var back = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await HealthAsync(0) == HttpStatusCode.OK && await HealthAsync(1) == HttpStatusCode.OK,
            FleetProbe.Patience, "both silos are healthy again");
        output.WriteLine($"healthy {back.ElapsedMilliseconds} ms after PostgreSQL came back");

        // Ingest resumes: the buffered checkpoints arrive and new ones follow.
        await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(steady.Mac).GetAsync(),
            v => v.Programs.Single(p => p.ProgramId == steadyProgram).LastAcknowledgedVersion >= duringOutage + 3, FleetProbe.Patience, "the steady ECU's checkpoints are acknowledged again");
        output.WriteLine($"ingest acknowledged again {back.ElapsedMilliseconds} ms after PostgreSQL came back");
        var (newestVersion, newest) = await FleetProbe.NewestStateAsync(Grains, steadyKey);
        Assert.True(newestVersion > ackedBefore, $"the newest stored version v{newestVersion} is older than the acknowledged v{ackedBefore}");
        Assert.True(newest.Counter > 0);

        // The failed ECU's programs run again exactly once, each continuing from its last acknowledged checkpoint.
        var restoration = await FleetProbe.WaitFinishedAsync(Grains, $"failure:{failing.Mac}:1");
        output.WriteLine($"restoration finished {back.ElapsedMilliseconds} ms after PostgreSQL came back");
        Assert.Equal(2, restoration.Programs.Count);
        foreach (var item in restoration.Programs)
        {
            await FleetProbe.AssertContinuesAsync(Grains, item);
        }

        Assert.Equal(3, steady.ChildPids().Count);
        var steadyView = await Grains.GetGrain<IEcuGrain>(steady.Mac).GetAsync();
        Assert.Equal((EcuStatus.Alive, 0), (steadyView.Status, steadyView.FailureEpoch)); // the outage alone failed no ECU
        Assert.All(await FleetProbe.ProgramsAsync(Grains), p => Assert.Equal(1, p.RunningCopies));
        Assert.True(_cms.SiloRunning(0) && _cms.SiloRunning(1), "a silo died after the outage");
    }

    private async Task<long> AcknowledgedAsync(string mac, int programId) =>
        (await Grains.GetGrain<IEcuGrain>(mac).GetAsync()).Programs.Single(p => p.ProgramId == programId).LastAcknowledgedVersion;

    private async Task<HttpStatusCode?> HealthAsync(int silo)
    {
        try
        {
            return (await _cms.Http(silo).GetAsync("/health")).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
