using OrleansCms.Ecus;

namespace OrleansCms.Tests.Ecus;

public sealed class LeaseRulesTests
{
    private static readonly DateTimeOffset ClusterFormed = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public void GraceAfterActivation_EcuAliveBeforeTheClusterFormeded_GraceFromTheClusterFormed() =>
        Assert.Equal(ClusterFormed + Grace, LeaseRules.GraceAfterActivation(ClusterFormed.AddMinutes(-5), ClusterFormed, Grace));

    [Fact]
    public void GraceAfterActivation_EcuAliveSinceTheCmsRan_NoGrace() =>
        Assert.Equal(DateTimeOffset.MinValue, LeaseRules.GraceAfterActivation(ClusterFormed.AddSeconds(1), ClusterFormed, Grace));

    [Fact]
    public void GraceAfterActivation_NeverAlive_NoGrace() =>
        Assert.Equal(DateTimeOffset.MinValue, LeaseRules.GraceAfterActivation(null, ClusterFormed, Grace));

    [Theory]
    [InlineData(1.9, false)]
    [InlineData(2.1, true)]
    public void HasLapsed_NoGrace_AfterOneLease(double secondsSilent, bool lapsed)
    {
        var last = ClusterFormed.AddMinutes(1);
        Assert.Equal(lapsed, LeaseRules.HasLapsed(last.AddSeconds(secondsSilent), last, Lease, DateTimeOffset.MinValue));
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(29.9, false)]
    [InlineData(30.1, true)]
    public void HasLapsed_InRecoveryGrace_OnlyWhenTheGraceIsOver(double secondsAfterFormation, bool lapsed)
    {
        // Activated 1 s after the silo started; its agent never came back.
        var activated = ClusterFormed.AddSeconds(1);
        var grace = LeaseRules.GraceAfterActivation(ClusterFormed.AddMinutes(-5), ClusterFormed, Grace);
        Assert.Equal(lapsed, LeaseRules.HasLapsed(ClusterFormed.AddSeconds(secondsAfterFormation), activated, Lease, grace));
    }
}
