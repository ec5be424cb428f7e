using Microsoft.Extensions.Time.Testing;
using OrleansCms.Agent;

namespace OrleansCms.Tests.Fencing;

/// <summary>The agent's lease arithmetic: counted from when the answered heartbeat was sent, never extended by an older answer.</summary>
public class LeaseFenceTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public void NothingAnswered_HoldsNoLease()
    {
        var fence = new LeaseFence(new FakeTimeProvider(), Interval);

        Assert.False(fence.Holds());
        Assert.Equal(TimeSpan.Zero, fence.Remaining());
    }

    [Fact]
    public void Answered_LapsesFenceAfterFromTheSendingNotFromTheAnswer()
    {
        var clock = new FakeTimeProvider();
        var fence = new LeaseFence(clock, Interval);
        var sent = fence.Sending();
        clock.Advance(TimeSpan.FromMilliseconds(300)); // the round trip

        fence.Answered(sent, Lease);

        Assert.Equal(TimeSpan.FromSeconds(1), fence.FenceAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(700), fence.Remaining());
        clock.Advance(TimeSpan.FromMilliseconds(699));
        Assert.True(fence.Holds());
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(fence.Holds());
    }

    [Fact]
    public void AnOlderAnswerAfterANewerOne_DoesNotMoveTheLeaseBack()
    {
        var clock = new FakeTimeProvider();
        var fence = new LeaseFence(clock, Interval);
        var first = fence.Sending();
        clock.Advance(Interval);
        var second = fence.Sending();

        fence.Answered(second, Lease);
        fence.Answered(first, Lease); // delivered late

        Assert.Equal(TimeSpan.FromSeconds(1), fence.Remaining());
    }

    [Fact]
    public void Revoked_EndsTheLeaseAtOnce_AndTheNextAnswerRenewsIt()
    {
        var clock = new FakeTimeProvider();
        var fence = new LeaseFence(clock, Interval);
        fence.Answered(fence.Sending(), Lease);

        fence.Revoked();
        Assert.False(fence.Holds());

        clock.Advance(Interval);
        fence.Answered(fence.Sending(), Lease);
        Assert.True(fence.Holds());
    }

    [Fact]
    public void ANewLeaseFromTheCms_IsTakenWithTheNextAnswer()
    {
        var clock = new FakeTimeProvider();
        var fence = new LeaseFence(clock, TimeSpan.FromMilliseconds(250));

        fence.Answered(fence.Sending(), TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromMilliseconds(500), fence.FenceAfter);
    }

    [Theory]
    [InlineData(2000, 500, 1000)] // the defaults: two heartbeats of margin
    [InlineData(1000, 250, 500)]
    [InlineData(10_000, 500, 9000)]
    [InlineData(1000, 400, 500)] // a lease shorter than four heartbeats: half of it
    [InlineData(1000, 1000, 500)]
    public void FenceAfterFor_KeepsTwoHeartbeatsOfMargin_ButAtLeastHalfTheLease(int leaseMs, int intervalMs, int expectedMs)
    {
        var fenceAfter = LeaseFence.FenceAfterFor(TimeSpan.FromMilliseconds(leaseMs), TimeSpan.FromMilliseconds(intervalMs));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), fenceAfter);
        Assert.True(fenceAfter < TimeSpan.FromMilliseconds(leaseMs));
    }
}
