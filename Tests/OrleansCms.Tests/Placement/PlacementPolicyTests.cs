using System.ComponentModel.DataAnnotations;
using OrleansCms.Checkpoints;
using OrleansCms.Restoration;

namespace OrleansCms.Tests.Placement;

public sealed class PlacementPolicyTests
{
    private const long MiB = 1L << 20;
    private const string A = "aa:00:00:00:00:01";
    private const string B = "aa:00:00:00:00:02";
    private const string C = "aa:00:00:00:00:03";
    private const string Source = "ff:00:00:00:00:00";

    // Rule 1: the excluded ECU is never a target.

    [Fact]
    public void PlaceBatch_ExcludedMacIsTheBestCandidate_ChoosesAnother()
    {
        var decision = PlaceOne(Request("p/1", excludeMac: A), Ecu(A), Ecu(B, cpu: 0.9));

        Assert.Equal(B, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_ExcludedMacInOtherCase_StillExcluded()
    {
        var decision = PlaceOne(Request("p/1", excludeMac: A.ToUpperInvariant()), Ecu(A), Ecu(B, cpu: 0.9));

        Assert.Equal(B, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_OnlyTheExcludedEcuIsAlive_PendingNoOtherEcu()
    {
        var decision = PlaceOne(Request("p/1", excludeMac: Source), Ecu(Source));

        Assert.Null(decision.TargetMac);
        Assert.Equal($"no alive ECU other than {Source}", decision.PendingReason);
    }

    [Fact]
    public void PlaceBatch_NoCandidates_PendingNoAliveEcu()
    {
        var decision = PlaceOne(Request("p/1"));

        Assert.Equal("no alive ECU", decision.PendingReason);
    }

    // Rule 2: free RAM (minus headroom and what the batch already took) must cover max(declared RAM, checkpoint).

    [Theory]
    [InlineData(100, 0, 0, true)]
    [InlineData(101, 0, 0, false)]
    [InlineData(10, 101, 0, false)]
    [InlineData(50, 100, 0, true)]
    [InlineData(90, 0, 10, true)]
    [InlineData(91, 0, 10, false)]
    public void PlaceBatch_NeedAgainstFreeRam_FitsOnlyWhenFreeCoversNeed(long ramMiB, long checkpointMiB, long headroomMiB, bool fits)
    {
        var policy = new PlacementPolicy(new PlacementOptions { RamHeadroomBytes = headroomMiB * MiB });
        var request = Request("p/1", ramBytes: ramMiB * MiB, checkpointBytes: checkpointMiB * MiB);

        var decision = policy.PlaceBatch([request], [Ecu(A, totalMiB: 1000, usedMiB: 900)])[0];

        Assert.Equal(fits ? A : null, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_RamTakenEarlierInTheBatch_CountsAgainstFreeRam()
    {
        var decisions = Place([Request("p/1", ramBytes: 60 * MiB), Request("p/2", ramBytes: 60 * MiB)], Ecu(A, totalMiB: 100, usedMiB: 0));

        Assert.Equal(A, decisions[0].TargetMac);
        Assert.Null(decisions[1].TargetMac);
    }

    // Rule 3: declared utilization must stay within the bound, counting the batch; undeclared programs are not constrained.

    [Theory]
    [InlineData(0.7, 30, true)]
    [InlineData(0.71, 30, false)]
    [InlineData(0.0, 100, true)]
    public void PlaceBatch_DeclaredUtilizationAgainstBound_FitsOnlyWithinBound(double ecuUtilization, int wcetMs, bool fits)
    {
        var decision = PlaceOne(Request("p/1", periodMs: 100, wcetMs: wcetMs), Ecu(A, utilization: ecuUtilization));

        Assert.Equal(fits ? A : null, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_UtilizationTakenEarlierInTheBatch_CountsAgainstTheBound()
    {
        var requests = new[] { Request("p/1", periodMs: 10, wcetMs: 2), Request("p/2", periodMs: 10, wcetMs: 4), Request("p/3", periodMs: 10, wcetMs: 1), Request("p/4", periodMs: 10, wcetMs: 1) };

        var decisions = Place(requests, Ecu(A, utilization: 0.3));

        // 0.3 + (0.2 + 0.4) + 0.1 is 1.0000000000000002 in doubles, yet exactly the bound; the fourth is over it.
        Assert.Equal([A, A, A, null], decisions.Select(d => d.TargetMac));
        Assert.Contains("utilization bound 1.00", decisions[3].PendingReason);
    }

    [Fact]
    public void PlaceBatch_UtilizationBoundLowered_AppliesTheOption()
    {
        var policy = new PlacementPolicy(new PlacementOptions { UtilizationBound = 0.69 });

        var decision = policy.PlaceBatch([Request("p/1", periodMs: 10, wcetMs: 3)], [Ecu(A, utilization: 0.4)])[0];

        Assert.Null(decision.TargetMac);
        Assert.Contains("utilization bound 0.69", decision.PendingReason);
    }

    [Fact]
    public void PlaceBatch_ProgramWithoutTiming_NotConstrainedByTheBound()
    {
        var decision = PlaceOne(Request("p/1"), Ecu(A, utilization: 1.0));

        Assert.Equal(A, decision.TargetMac);
    }

    [Theory]
    [InlineData(10, null, "declares a period but no WCET")]
    [InlineData(null, 5, "declares a WCET but no period")]
    [InlineData(0, 0, "non-positive period")]
    [InlineData(-10, 5, "non-positive period")]
    [InlineData(10, -1, "non-positive WCET")]
    [InlineData(10, 0, "non-positive WCET (0 ms)")]
    [InlineData(10, 11, "WCET (11 ms) longer than its period (10 ms)")]
    public void PlaceBatch_InconsistentTiming_PendingWithReason(int? periodMs, int? wcetMs, string reason)
    {
        var decision = PlaceOne(Request("p/1", periodMs: periodMs, wcetMs: wcetMs), Ecu(A));

        Assert.Null(decision.TargetMac);
        Assert.Contains(reason, decision.PendingReason);
    }

    // Rule 4: lowest weighted load wins, and the batch's own placements count so that one ECU is not flooded.

    [Theory]
    [InlineData(1.0, 0.0, A)]
    [InlineData(0.0, 1.0, B)]
    public void PlaceBatch_Weights_ChooseTheLessLoadedResource(double cpuWeight, double ramWeight, string expected)
    {
        var policy = new PlacementPolicy(new PlacementOptions { CpuWeight = cpuWeight, RamWeight = ramWeight });
        var cpuIdleRamFull = Ecu(A, cpu: 0.1, usedMiB: 800);
        var cpuBusyRamFree = Ecu(B, cpu: 0.8, usedMiB: 100);

        var decision = policy.PlaceBatch([Request("p/1")], [cpuIdleRamFull, cpuBusyRamFree])[0];

        Assert.Equal(expected, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_SmallerEcuOtherwiseEqual_BiggerEcuChosen()
    {
        // Used fraction after placement: 400/500 on the small ECU, 400/1000 on the big one.
        var decision = PlaceOne(Request("p/1", ramBytes: 300 * MiB), Ecu(A, totalMiB: 500, usedMiB: 100), Ecu(B, totalMiB: 1000, usedMiB: 100));

        Assert.Equal(B, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_TenEqualProgramsOverThreeEqualCandidates_Spreads()
    {
        var requests = Enumerable.Range(1, 10).Select(i => Request($"p/{i}", ramBytes: 10 * MiB)).ToList();

        var decisions = Place(requests, Ecu(A), Ecu(B), Ecu(C));

        var perEcu = decisions.GroupBy(d => d.TargetMac).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(10, decisions.Count);
        Assert.Equal([A, B, C], perEcu.Keys.Order(StringComparer.Ordinal));
        Assert.All(perEcu.Values, count => Assert.InRange(count, 3, 4));
    }

    [Fact]
    public void PlaceBatch_DeclaredUtilizationOfEarlierPlacements_SpreadsByCpu()
    {
        var requests = new[] { Request("p/1", periodMs: 10, wcetMs: 5), Request("p/2", periodMs: 10, wcetMs: 5) };

        var decisions = Place(requests, Ecu(A), Ecu(B));

        Assert.Equal([A, B], decisions.Select(d => d.TargetMac));
    }

    // Rule 5: a latency-critical program prefers an ECU beside a silo by LatencyCriticalBonus.

    [Fact]
    public void PlaceBatch_LatencyCriticalProgram_PrefersEcuBesideSilo()
    {
        var decision = PlaceOne(Request("p/1", latencyCritical: true), Ecu(A, cpu: 0.1), Ecu(B, cpu: 0.5, besideSilo: true));

        Assert.Equal(B, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_OrdinaryProgram_IgnoresSiloProximity()
    {
        var decision = PlaceOne(Request("p/1"), Ecu(A, cpu: 0.1), Ecu(B, cpu: 0.5, besideSilo: true));

        Assert.Equal(A, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_LatencyCriticalButSiloSideEcuFarBusier_BonusDoesNotOutweigh()
    {
        // CPU 0.0 vs 0.9 at weight 0.5 is 0.45 of score, more than the default bonus of 0.25.
        var decision = PlaceOne(Request("p/1", latencyCritical: true), Ecu(A, cpu: 0.0), Ecu(B, cpu: 0.9, besideSilo: true));

        Assert.Equal(A, decision.TargetMac);
    }

    // Rule 6: the preferred ECU wins whenever it fits.

    [Fact]
    public void PlaceBatch_PreferredMacFits_ChosenOverABetterScore()
    {
        var decision = PlaceOne(Request("p/1", preferredMac: B), Ecu(A), Ecu(B, cpu: 0.95, usedMiB: 900));

        Assert.Equal(B, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_PreferredMacDoesNotFit_BestOtherChosen()
    {
        var decision = PlaceOne(Request("p/1", ramBytes: 200 * MiB, preferredMac: B), Ecu(A, cpu: 0.5), Ecu(B, usedMiB: 900), Ecu(C, cpu: 0.9));

        Assert.Equal(A, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_PreferredMacIsAlsoExcluded_NotChosen()
    {
        var decision = PlaceOne(Request("p/1", excludeMac: B, preferredMac: B), Ecu(A, cpu: 0.9), Ecu(B));

        Assert.Equal(A, decision.TargetMac);
    }

    // Rule 7: equal scores go to the lowest MAC (ordinal), whatever the candidate order.

    [Fact]
    public void PlaceBatch_EqualScores_LowestMacOrdinalWins()
    {
        var decision = PlaceOne(Request("p/1"), Ecu(C), Ecu(A), Ecu(B));

        Assert.Equal(A, decision.TargetMac);
    }

    [Fact]
    public void PlaceBatch_CpuLoadAboveOne_ClampedToOne()
    {
        // 1.5 counts as 1.0: the two tie and the lower MAC wins, whichever reported the larger value.
        Assert.Equal(A, PlaceOne(Request("p/1"), Ecu(A, cpu: 1.5), Ecu(B, cpu: 1.0)).TargetMac);
        Assert.Equal(A, PlaceOne(Request("p/1"), Ecu(A, cpu: 1.0), Ecu(B, cpu: 1.5)).TargetMac);
    }

    // Rule 8: larger programs are placed first, decisions come back in request order.

    [Fact]
    public void PlaceBatch_SmallRequestedBeforeLarge_LargePlacedFirstAndBothFit()
    {
        // A has 600 MiB free and the better score, B 300 MiB. In request order the small one would take A and strand the large one.
        var requests = new[] { Request("small", ramBytes: 300 * MiB), Request("large", ramBytes: 600 * MiB) };

        var decisions = Place(requests, Ecu(A, usedMiB: 400), Ecu(B, usedMiB: 700));

        Assert.Equal(["small", "large"], decisions.Select(d => d.ProgramKey));
        Assert.Equal([B, A], decisions.Select(d => d.TargetMac));
    }

    [Fact]
    public void PlaceBatch_CheckpointLargerThanDeclaredRam_OrderedByCheckpointSize()
    {
        var requests = new[] { Request("small", ramBytes: 300 * MiB), Request("large", ramBytes: 10 * MiB, checkpointBytes: 600 * MiB) };

        var decisions = Place(requests, Ecu(A, usedMiB: 400), Ecu(B, usedMiB: 700));

        Assert.Equal([B, A], decisions.Select(d => d.TargetMac));
    }

    // Rule 9: a pending program says why, and nothing is dropped.

    [Fact]
    public void PlaceBatch_NoEcuWithEnoughRam_ReasonNamesNeedAndLargestFree()
    {
        var decision = PlaceOne(Request("p/1", ramBytes: 512 * MiB), Ecu(A, usedMiB: 800), Ecu(B, usedMiB: 900));

        Assert.Equal($"no alive ECU with 512 MiB free RAM (largest free: 200 MiB on {A})", decision.PendingReason);
    }

    [Fact]
    public void PlaceBatch_NoEcuWithinUtilizationBound_ReasonNamesBoundAndNeed()
    {
        var decision = PlaceOne(Request("p/1", periodMs: 10, wcetMs: 3), Ecu(A, utilization: 0.8), Ecu(B, utilization: 0.9));

        Assert.Equal(
            $"no ECU with enough free RAM stays within the utilization bound 1.00 (program needs 0.30; lowest utilization: 0.80 on {A})",
            decision.PendingReason);
    }

    [Fact]
    public void PlaceBatch_CapacityRunsOut_RestPendingWithReasonsNoneDropped()
    {
        var requests = Enumerable.Range(1, 7).Select(i => Request($"p/{i}", ramBytes: 400 * MiB)).ToList();

        var decisions = Place(requests, Ecu(A), Ecu(B));

        Assert.Equal(requests.Select(r => r.ProgramKey), decisions.Select(d => d.ProgramKey));
        Assert.Equal(4, decisions.Count(d => d.TargetMac is not null));
        Assert.All(decisions, d => Assert.True(d.TargetMac is null ^ d.PendingReason is null));
        Assert.All(decisions.Where(d => d.TargetMac is null), d => Assert.StartsWith("no alive ECU with 400 MiB free RAM", d.PendingReason));
    }

    // Ranking: the fitting candidates in the order PlaceBatch prefers them (see Ranking below).

    [Fact]
    public void PlaceBatch_MixedCandidates_RanksOnlyFittingBestFirst()
    {
        var request = Request("p/1", ramBytes: 300 * MiB, periodMs: 10, wcetMs: 2, excludeMac: Source);
        var candidates = new[]
        {
            Ecu(Source),
            Ecu(A, cpu: 0.6),
            Ecu(B, cpu: 0.2),
            Ecu(C, usedMiB: 800),
            Ecu("aa:00:00:00:00:04", utilization: 0.9),
            Ecu("aa:00:00:00:00:05", cpu: 0.4),
        };

        var ranked = Ranking(request, candidates);

        Assert.Equal([B, "aa:00:00:00:00:05", A], ranked);
    }

    [Fact]
    public void PlaceBatch_PreferredMacFits_RankedFirst()
    {
        var ranked = Ranking(Request("p/1", preferredMac: B), [Ecu(A), Ecu(B, cpu: 0.9)]);

        Assert.Equal([B, A], ranked);
    }

    [Fact]
    public void PlaceBatch_InconsistentTiming_RanksNothing()
    {
        Assert.Empty(Ranking(Request("p/1", periodMs: 10), [Ecu(A)]));
    }

    // Options and input validation.

    [Fact]
    public void Options_Defaults_ValidAndDocumentedValues()
    {
        var options = new PlacementOptions();

        options.Validate();
        Assert.Equal("Cms:Placement", PlacementOptions.Section);
        Assert.Equal((0.5, 0.5, 1.0, 0.25, 0L, 0.05),
            (options.CpuWeight, options.RamWeight, options.UtilizationBound, options.LatencyCriticalBonus, options.RamHeadroomBytes, options.UndeclaredProgramCpu));
    }

    public static TheoryData<string, Action<PlacementOptions>> BadOptions => new()
    {
        { "negative CPU weight", o => o.CpuWeight = -0.1 },
        { "negative RAM weight", o => o.RamWeight = -1 },
        { "NaN weight", o => o.CpuWeight = double.NaN },
        { "both weights zero", o => (o.CpuWeight, o.RamWeight) = (0, 0) },
        { "zero bound", o => o.UtilizationBound = 0 },
        { "bound above one", o => o.UtilizationBound = 1.01 },
        { "negative bonus", o => o.LatencyCriticalBonus = -0.1 },
        { "negative headroom", o => o.RamHeadroomBytes = -1 },
        { "undeclared CPU above one", o => o.UndeclaredProgramCpu = 1.5 },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Options_BadValue_Rejected(string name, Action<PlacementOptions> spoil)
    {
        var options = new PlacementOptions();
        spoil(options);

        Assert.Throws<ValidationException>(options.Validate);
        var error = Assert.Throws<ArgumentException>(() => new PlacementPolicy(options));
        Assert.True(error.Message.StartsWith("Invalid placement options", StringComparison.Ordinal), name);
    }

    [Fact]
    public void Options_OneWeightZero_Accepted()
    {
        new PlacementOptions { CpuWeight = 0, RamWeight = 1 }.Validate();
        new PlacementOptions { CpuWeight = 1, RamWeight = 0 }.Validate();
    }

    public static TheoryData<string, PlacementRequest?, PlacementCandidate?> BadInputs => new()
    {
        { "null request", null, Ecu(A) },
        { "null candidate", Request("p/1"), null },
        { "negative program RAM", Request("p/1", ramBytes: -1), Ecu(A) },
        { "negative checkpoint", Request("p/1", checkpointBytes: -1), Ecu(A) },
        { "blank key", Request(" "), Ecu(A) },
        { "null program", Request("p/1") with { Program = null! }, Ecu(A) },
        { "blank MAC", Request("p/1"), Ecu("") },
        { "negative total RAM", Request("p/1"), Ecu(A) with { RamTotalBytes = -1 } },
        { "negative used RAM", Request("p/1"), Ecu(A) with { RamUsedBytes = -1 } },
        { "NaN CPU", Request("p/1"), Ecu(A, cpu: double.NaN) },
        { "infinite CPU", Request("p/1"), Ecu(A, cpu: double.PositiveInfinity) },
        { "negative utilization", Request("p/1"), Ecu(A, utilization: -0.1) },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void PlaceBatch_BadInput_ThrowsArgumentException(string name, PlacementRequest? request, PlacementCandidate? candidate)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Policy().PlaceBatch([request!], [candidate!]));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), name);
    }

    [Fact]
    public void PlaceBatch_NullListsOrDuplicates_ThrowsArgumentException()
    {
        var policy = Policy();

        Assert.Throws<ArgumentNullException>(() => policy.PlaceBatch(null!, [Ecu(A)]));
        Assert.Throws<ArgumentNullException>(() => policy.PlaceBatch([Request("p/1")], null!));
        Assert.Throws<ArgumentNullException>(() => new PlacementPolicy(null!));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => policy.PlaceBatch([Request("p/1")], [Ecu(A), Ecu(A.ToUpperInvariant())])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => policy.PlaceBatch([Request("p/1"), Request("p/1")], [Ecu(A)])).Message);
    }

    private static PlacementPolicy Policy() => new(new PlacementOptions());

    /// <summary>
    /// The candidates <see cref="PlacementPolicy.PlaceBatch"/> would place <paramref name="request"/> on, best first:
    /// its choice, then its choice once that ECU is gone, and so on until none fits. A candidate's score does not
    /// depend on the others, so removing the chosen one leaves the order of the rest as it was.
    /// </summary>
    private static List<string> Ranking(PlacementRequest request, IReadOnlyList<PlacementCandidate> candidates)
    {
        var left = candidates.ToList();
        var ranked = new List<string>();
        while (Policy().PlaceBatch([request], left)[0].TargetMac is { } chosen)
        {
            ranked.Add(chosen);
            left.RemoveAll(c => c.Mac == chosen);
        }

        return ranked;
    }

    private static IReadOnlyList<PlacementDecision> Place(IReadOnlyList<PlacementRequest> requests, params PlacementCandidate[] candidates) =>
        Policy().PlaceBatch(requests, candidates);

    private static PlacementDecision PlaceOne(PlacementRequest request, params PlacementCandidate[] candidates) =>
        Assert.Single(Place([request], candidates));

    private static PlacementRequest Request(
        string key,
        long ramBytes = 10 * MiB,
        long checkpointBytes = 0,
        int? periodMs = null,
        int? wcetMs = null,
        bool latencyCritical = false,
        string? excludeMac = null,
        string? preferredMac = null)
    {
        var program = new ProgramInfo(
            "test",
            ramBytes,
            Period: periodMs is { } p ? TimeSpan.FromMilliseconds(p) : null,
            Wcet: wcetMs is { } w ? TimeSpan.FromMilliseconds(w) : null,
            LatencyCritical: latencyCritical);
        return new PlacementRequest(key, program, checkpointBytes, excludeMac, preferredMac);
    }

    private static PlacementCandidate Ecu(
        string mac,
        double cpu = 0.2,
        long totalMiB = 1000,
        long usedMiB = 100,
        bool besideSilo = false,
        double utilization = 0) =>
        new(mac, totalMiB * MiB, usedMiB * MiB, cpu, besideSilo, utilization);
}
