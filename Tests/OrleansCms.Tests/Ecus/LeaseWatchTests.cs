using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>The in-memory lease: when it lapses, and that a heartbeat taken after the verdict cancels it.</summary>
public sealed class LeaseWatchTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset T0 = TestClock.Start;

    [Fact]
    public void Lapsed_NeverRenewed_NoVerdict()
    {
        Assert.Null(new LeaseWatch(Lease).Lapsed(T0.AddHours(1)));
    }

    [Theory]
    [InlineData(1.9, false)]
    [InlineData(2.0, false)]
    [InlineData(2.1, true)]
    public void Lapsed_SilentForLongerThanTheLease_TheLastHeartbeat(double seconds, bool lapsed)
    {
        var watch = new LeaseWatch(Lease);
        watch.Renew(T0);

        Assert.Equal(lapsed ? T0 : null, watch.Lapsed(T0.AddSeconds(seconds)));
    }

    [Fact]
    public void Confirms_NoHeartbeatSinceTheVerdict_Stands()
    {
        var watch = new LeaseWatch(Lease);
        watch.Renew(T0);
        var last = watch.Lapsed(T0.AddSeconds(3))!.Value;

        Assert.True(watch.Confirms(last, T0.AddSeconds(3)));
    }

    [Fact]
    public void Confirms_AHeartbeatTakenAfterTheVerdict_Cancelled()
    {
        var watch = new LeaseWatch(Lease);
        watch.Renew(T0);
        var last = watch.Lapsed(T0.AddSeconds(3))!.Value;

        // The heartbeat had queued behind the timer's turn and is taken before the verdict.
        watch.Renew(T0.AddSeconds(3));

        Assert.False(watch.Confirms(last, T0.AddSeconds(3.1)));
        Assert.Equal(T0.AddSeconds(3), watch.LastHeartbeat);
    }

    [Fact]
    public void GrantRecoveryGrace_EcuAliveBeforeTheCmsCameUp_NoVerdictUntilTheGraceIsOver()
    {
        var formed = T0.AddMinutes(10);
        var watch = new LeaseWatch(Lease);
        watch.Renew(formed.AddSeconds(1));

        var until = watch.GrantRecoveryGrace(T0, formed, TimeSpan.FromSeconds(30));

        Assert.Equal(formed.AddSeconds(30), until);
        Assert.Null(watch.Lapsed(formed.AddSeconds(29)));
        Assert.False(watch.Confirms(formed.AddSeconds(1), formed.AddSeconds(29)));
        Assert.Equal(formed.AddSeconds(1), watch.Lapsed(formed.AddSeconds(31)));
    }

    [Fact]
    public void Renew_DuringTheGrace_EndsIt()
    {
        var formed = T0.AddMinutes(10);
        var watch = new LeaseWatch(Lease);
        watch.Renew(formed);
        watch.GrantRecoveryGrace(T0, formed, TimeSpan.FromSeconds(30));

        // The agent is back: its lease counts again from its heartbeat.
        watch.Renew(formed.AddSeconds(5));

        Assert.Equal(formed.AddSeconds(5), watch.Lapsed(formed.AddSeconds(8)));
    }

    [Fact]
    public void GrantRecoveryGrace_EcuAliveSinceTheCmsRan_NoGrace()
    {
        var formed = T0;
        var watch = new LeaseWatch(Lease);
        watch.Renew(formed.AddMinutes(5));

        Assert.Equal(DateTimeOffset.MinValue, watch.GrantRecoveryGrace(formed.AddMinutes(1), formed, TimeSpan.FromSeconds(30)));
        Assert.NotNull(watch.Lapsed(formed.AddMinutes(5).AddSeconds(3)));
    }
}
