using OrleansCms.Checkpoints;
using OrleansCms.Restoration;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Placement;

/// <summary>The one real-time admission rule, and that ingest and placement apply it alike.</summary>
public sealed class RealTimeDemandTests
{
    private const string Ecu = "aa:00:00:00:00:01";

    [Fact]
    public void TryRead_NoTiming_NoDemandAndNoProblem()
    {
        Assert.True(RealTimeDemand.TryRead(Program(null, null), out var demand, out var problem));

        Assert.Null(demand);
        Assert.Null(problem);
        Assert.Equal(0, RealTimeDemand.UtilizationOf(Program(null, null)));
    }

    [Fact]
    public void TryRead_ConsistentTiming_UtilizationIsWcetOverPeriod()
    {
        Assert.True(RealTimeDemand.TryRead(Program(10, 2), out var demand, out _));

        Assert.NotNull(demand);
        Assert.Equal(0.2, demand.Utilization, precision: 12);
        Assert.Equal(0.2, Program(10, 2).Utilization, precision: 12);
    }

    [Fact]
    public void TryRead_WcetEqualToPeriod_Admitted()
    {
        Assert.True(RealTimeDemand.TryRead(Program(5, 5), out var demand, out _));
        Assert.Equal(1.0, demand!.Utilization);
    }

    [Theory]
    [InlineData(10, null, "declares a period but no WCET")]
    [InlineData(null, 5, "declares a WCET but no period")]
    [InlineData(0, 0, "declares a non-positive period (0 ms)")]
    [InlineData(-10, 5, "declares a non-positive period (-10 ms)")]
    [InlineData(10, 0, "declares a non-positive WCET (0 ms)")]
    [InlineData(10, -1, "declares a non-positive WCET (-1 ms)")]
    [InlineData(10, 11, "declares a WCET (11 ms) longer than its period (10 ms)")]
    public void Problem_InconsistentTiming_SaysWhatIsWrong(int? periodMs, int? wcetMs, string expected)
    {
        var program = Program(periodMs, wcetMs);

        Assert.Equal(expected, RealTimeDemand.Problem(program));
        Assert.False(RealTimeDemand.TryRead(program, out var demand, out _));
        Assert.Null(demand);
        Assert.Equal(0, program.Utilization);
    }

    [Theory]
    [InlineData(0.7, 1.0, true)]
    [InlineData(0.7000001, 1.0, false)]
    [InlineData(0.4, 0.69, false)]
    [InlineData(0.39, 0.69, true)]
    public void FitsWithin_DeclaredPlusOwnAgainstTheBound(double declared, double bound, bool fits)
    {
        RealTimeDemand.TryRead(Program(100, 30), out var demand, out _);

        Assert.Equal(fits, demand!.FitsWithin(declared, bound));
    }

    [Fact]
    public void FitsWithin_SumLandingAHairAboveTheBound_StillFits()
    {
        RealTimeDemand.TryRead(Program(10, 1), out var demand, out _);

        // 0.3 + (0.2 + 0.4) is 0.9000000000000001 in doubles, and with this program's 0.1 it is 1.0000000000000002:
        // exactly the bound all the same.
        var declared = 0.3 + (0.2 + 0.4);
        Assert.True(declared + demand!.Utilization > 1.0);
        Assert.True(demand.FitsWithin(declared, 1.0));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(10, 2)]
    [InlineData(10, 10)]
    [InlineData(10, null)]
    [InlineData(null, 5)]
    [InlineData(0, 0)]
    [InlineData(10, 0)]
    [InlineData(10, -1)]
    [InlineData(10, 11)]
    public void IngestAndPlacement_SameTiming_AgreeOnAdmission(int? periodMs, int? wcetMs)
    {
        var program = Program(periodMs, wcetMs);
        var manifest = TestCheckpoint.Create([1, 2, 3], 1).Manifest with { Program = program };

        var ingestRefuses = Record.Exception(() => ManifestValidator.Validate(manifest, new IngestOptions())) is CheckpointRejectedException;
        var decision = new PlacementPolicy(new PlacementOptions()).PlaceBatch(
            [new PlacementRequest("p/1", program, 0, null, null)],
            [new PlacementCandidate(Ecu, 1L << 30, 0, 0.1, false, 0)])[0];

        Assert.Equal(RealTimeDemand.Problem(program) is not null, ingestRefuses);
        Assert.Equal(ingestRefuses, decision.TargetMac is null);
    }

    private static ProgramInfo Program(int? periodMs, int? wcetMs) => new(
        "rt",
        1L << 20,
        Period: periodMs is { } p ? TimeSpan.FromMilliseconds(p) : null,
        Wcet: wcetMs is { } w ? TimeSpan.FromMilliseconds(w) : null);
}
