using OrleansCms.Ecus;

namespace OrleansCms.Tests.Ecus;

public sealed class LeaseRulesTests
{
    private static readonly DateTimeOffset SiloStart = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public void GraceAfterActivation_EcuAliveBeforeTheSiloStarted_GraceFromTheSiloStart() =>
        Assert.Equal(SiloStart + Grace, LeaseRules.GraceAfterActivation(SiloStart.AddMinutes(-5), SiloStart, Grace));

    [Fact]
    public void GraceAfterActivation_EcuAliveSinceTheSiloRan_NoGrace() =>
        Assert.Equal(DateTimeOffset.MinValue, LeaseRules.GraceAfterActivation(SiloStart.AddSeconds(1), SiloStart, Grace));

    [Fact]
    public void GraceAfterActivation_NeverAlive_NoGrace() =>
        Assert.Equal(DateTimeOffset.MinValue, LeaseRules.GraceAfterActivation(null, SiloStart, Grace));

    [Theory]
    [InlineData(1.9, false)]
    [InlineData(2.1, true)]
    public void HasLapsed_NoGrace_AfterOneLease(double secondsSilent, bool lapsed)
    {
        var last = SiloStart.AddMinutes(1);
        Assert.Equal(lapsed, LeaseRules.HasLapsed(last.AddSeconds(secondsSilent), last, Lease, DateTimeOffset.MinValue));
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(29.9, false)]
    [InlineData(30.1, true)]
    public void HasLapsed_InRecoveryGrace_OnlyWhenTheGraceIsOver(double secondsAfterSiloStart, bool lapsed)
    {
        // Activated 1 s after the silo started; its agent never came back.
        var activated = SiloStart.AddSeconds(1);
        var grace = LeaseRules.GraceAfterActivation(SiloStart.AddMinutes(-5), SiloStart, Grace);
        Assert.Equal(lapsed, LeaseRules.HasLapsed(SiloStart.AddSeconds(secondsAfterSiloStart), activated, Lease, grace));
    }
}
