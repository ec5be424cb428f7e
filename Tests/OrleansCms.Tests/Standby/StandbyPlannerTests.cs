using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Standby;

namespace OrleansCms.Tests.Standby;

public sealed class StandbyPlannerTests
{
    private const long MiB = 1L << 20;
    private const string Source = "02:00:00:00:00:01";
    private const string B = "02:00:00:00:00:02";
    private const string C = "02:00:00:00:00:03";

    private static readonly PlacementPolicy Policy = new(new PlacementOptions());

    [Fact]
    public void OnlyProgramsThatWantAStandby_AreGivenOne_NeverOnTheirOwnEcu()
    {
        var plan = StandbyPlanner.Plan(Source, [Program(0, standby: true), Program(1, standby: false)], [Ecu(Source, cpu: 0), Ecu(B, cpu: 0.5)], Policy);

        Assert.Equal(new Dictionary<int, string?> { [0] = B }, plan);
    }

    [Fact]
    public void SeveralPrograms_SpreadAsARestorationWouldPlaceThem()
    {
        var programs = Enumerable.Range(0, 4).Select(i => Program(i, standby: true, ramMb: 512)).ToList();

        var plan = StandbyPlanner.Plan(Source, programs, [Ecu(B), Ecu(C)], Policy);

        Assert.Equal(2, plan.Values.Count(v => v == B));
        Assert.Equal(2, plan.Values.Count(v => v == C));
    }

    [Fact]
    public void CurrentStandbyStillFits_ItStays_ThoughAnotherEcuIsIdler()
    {
        var plan = StandbyPlanner.Plan(Source, [Program(0, standby: true) with { StandbyMac = C }], [Ecu(B, cpu: 0), Ecu(C, cpu: 0.8)], Policy);

        Assert.Equal(C, plan[0]);
    }

    [Fact]
    public void CurrentStandbyGone_AnotherIsChosen_AndNoneWhenNothingFits()
    {
        Assert.Equal(B, StandbyPlanner.Plan(Source, [Program(0, standby: true) with { StandbyMac = C }], [Ecu(B)], Policy)[0]);
        Assert.Null(StandbyPlanner.Plan(Source, [Program(0, standby: true, ramMb: 8192)], [Ecu(B)], Policy)[0]);
    }

    private static ProgramEntry Program(int id, bool standby, long ramMb = 64) =>
        new(id, new ProgramInfo($"p{id}", ramMb * MiB, Standby: standby), null, DateTimeOffset.UnixEpoch);

    private static PlacementCandidate Ecu(string mac, double cpu = 0.1) => new(mac, 4096 * MiB, 1024 * MiB, cpu, false, 0);
}
