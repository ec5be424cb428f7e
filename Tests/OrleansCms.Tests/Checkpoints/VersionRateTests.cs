using Microsoft.Extensions.Time.Testing;
using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>The per-program token bucket of new versions, on a hand-moved clock.</summary>
public sealed class VersionRateTests
{
    private readonly FakeTimeProvider _clock = new(TestClock.Start);

    [Fact]
    public void TryTake_BurstSpent_RefusedWithTheWaitForTheNextToken()
    {
        var rate = new VersionRate(perSecond: 2, burst: 3, _clock);

        var taken = Enumerable.Range(0, 3).Select(i => rate.TryTake(out _)).ToList();
        var refused = !rate.TryTake(out var retryAfter);

        Assert.Equal([true, true, true], taken);
        Assert.True(refused);
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);
    }

    [Fact]
    public void TryTake_AfterTheAnnouncedWait_Granted()
    {
        var rate = new VersionRate(perSecond: 2, burst: 1, _clock);
        Assert.True(rate.TryTake(out _));
        Assert.False(rate.TryTake(out var retryAfter));

        _clock.Advance(retryAfter - TimeSpan.FromMilliseconds(1));
        Assert.False(rate.TryTake(out var rest));
        Assert.Equal(TimeSpan.FromMilliseconds(1), rest);

        _clock.Advance(rest);
        Assert.True(rate.TryTake(out _));
    }

    [Fact]
    public void TryTake_LongIdle_RefillsNoMoreThanTheBurst()
    {
        var rate = new VersionRate(perSecond: 100, burst: 5, _clock);
        _clock.Advance(TimeSpan.FromHours(1));

        var granted = 0;
        while (rate.TryTake(out _))
        {
            granted++;
        }

        Assert.Equal(5, granted);
    }

    [Fact]
    public void TryTake_SustainedOffers_HeldToTheRate()
    {
        var rate = new VersionRate(perSecond: 10, burst: 10, _clock);
        var granted = 0;
        for (var tick = 0; tick < 10_000; tick++)
        {
            // An offer every millisecond for ten seconds.
            if (rate.TryTake(out _))
            {
                granted++;
            }

            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.InRange(granted, 10 + 99, 10 + 100);
    }
}
