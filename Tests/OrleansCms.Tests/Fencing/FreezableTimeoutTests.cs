using Microsoft.Extensions.Time.Testing;
using OrleansCms.Programs;

namespace OrleansCms.Tests.Fencing;

/// <summary>A protocol timeout counts only the time its program was not frozen.</summary>
public class FreezableTimeoutTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Running_FiresAfterTheTimeout()
    {
        var clock = new FakeTimeProvider();
        using var timeout = new FreezableTimeout(Timeout, frozen: false, clock, CancellationToken.None);

        clock.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.False(timeout.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void Paused_StandsStill_AndResumesWithWhatWasLeft()
    {
        var clock = new FakeTimeProvider();
        using var timeout = new FreezableTimeout(Timeout, frozen: false, clock, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4));

        timeout.Pause();
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(timeout.Token.IsCancellationRequested);

        timeout.Resume();
        clock.Advance(TimeSpan.FromSeconds(6) - TimeSpan.FromTicks(1));
        Assert.False(timeout.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void StartedFrozen_DoesNotRunUntilResumed()
    {
        var clock = new FakeTimeProvider();
        using var timeout = new FreezableTimeout(Timeout, frozen: true, clock, CancellationToken.None);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(timeout.Token.IsCancellationRequested);
        timeout.Resume();
        clock.Advance(Timeout);
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void TheCallersToken_CancelsItEvenWhilePaused()
    {
        using var caller = new CancellationTokenSource();
        using var timeout = new FreezableTimeout(Timeout, frozen: true, new FakeTimeProvider(), caller.Token);

        caller.Cancel();

        Assert.True(timeout.Token.IsCancellationRequested);
    }
}
