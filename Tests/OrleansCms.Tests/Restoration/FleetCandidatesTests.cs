using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>Which ECUs a restored program may go to, and the figures placement weighs them by.</summary>
public sealed class FleetCandidatesTests
{
    private const long MiB = 1L << 20;
    private static readonly DateTimeOffset Now = TestClock.Start;

    [Fact]
    public void From_OnlyAliveRegisteredEcusWithAnAttachedAgent()
    {
        var views = new[]
        {
            View("aa:00:00:00:00:01"),
            View("aa:00:00:00:00:02") with { Status = EcuStatus.Failed },
            View("aa:00:00:00:00:03") with { AgentAttached = false },
            View("aa:00:00:00:00:04") with { Registration = null },
            View("aa:00:00:00:00:05") with { Status = EcuStatus.Fenced },
        };

        var candidates = FleetCandidates.From(views, Now);

        Assert.Equal(["aa:00:00:00:00:01"], candidates.Select(c => c.Mac));
    }

    [Fact]
    public void From_NoHeartbeatYet_TheRegisteredRamAllFreeAndNoLoad()
    {
        var candidate = Assert.Single(FleetCandidates.From([View("aa:00:00:00:00:01", besideSilo: true)], Now));

        Assert.Equal(new PlacementCandidate("aa:00:00:00:00:01", 512 * MiB, 0, 0, true, 0), candidate);
    }

    [Fact]
    public void From_MeasuredRamAndCpu_TheMeasuredRamAndTheMeanLoadSinceTheStartOfTheAverage()
    {
        var view = View("aa:00:00:00:00:01", latest: Metrics(0.9)) with
        {
            Window = [Sample(-10, 1.0), Sample(-4, 0.2), Sample(-2, 0.4), Sample(0, 0.9)],
        };

        var candidate = Assert.Single(FleetCandidates.From([view], Now.AddSeconds(-5)));

        Assert.Equal((1000 * MiB, 300 * MiB), (candidate.RamTotalBytes, candidate.RamUsedBytes));
        Assert.Equal(0.5, candidate.CpuLoad, precision: 12);
    }

    [Fact]
    public void From_OutOfRangeLoads_ClampedBeforeAveraging()
    {
        var view = View("aa:00:00:00:00:01", latest: Metrics(1.0)) with { Window = [Sample(-1, 1.6), Sample(0, -0.2)] };

        Assert.Equal(0.5, Assert.Single(FleetCandidates.From([view], Now.AddSeconds(-5))).CpuLoad, precision: 12);
    }

    [Fact]
    public void From_NoRecentSample_TheLatestLoadClamped()
    {
        var view = View("aa:00:00:00:00:01", latest: Metrics(1.3)) with { Window = [Sample(-30, 0.1)] };

        Assert.Equal(1.0, Assert.Single(FleetCandidates.From([view], Now.AddSeconds(-5))).CpuLoad);
    }

    [Fact]
    public void From_DeclaredUtilization_OnlyOfTheActivePrograms()
    {
        var timed = new ProgramInfo("rt", 16 * MiB, Period: TimeSpan.FromMilliseconds(10), Wcet: TimeSpan.FromMilliseconds(2));
        var view = View("aa:00:00:00:00:01") with
        {
            Catalogue =
            [
                new ProgramEntry(0, timed, null, Now),
                new ProgramEntry(1, timed with { Wcet = TimeSpan.FromMilliseconds(3) }, null, Now),
                new ProgramEntry(2, timed, null, Now, ProgramEntryStatus.Retired),
                new ProgramEntry(3, new ProgramInfo("untimed", 16 * MiB), null, Now),
            ],
        };

        Assert.Equal(0.5, Assert.Single(FleetCandidates.From([view], Now)).DeclaredUtilization, precision: 12);
    }

    private static EcuView View(string mac, EcuMetrics? latest = null, bool besideSilo = false) =>
        new(mac, EcuStatus.Alive, new EcuRegistration("ecu", 512 * MiB, 2, besideSilo), 0, null, Now, latest, [], [], [], AgentAttached: true, Now);

    private static EcuMetrics Metrics(double cpu) => new(cpu, 300 * MiB, 1000 * MiB);

    private static MetricsSample Sample(int seconds, double cpu) => new(Now.AddSeconds(seconds), Metrics(cpu));
}
