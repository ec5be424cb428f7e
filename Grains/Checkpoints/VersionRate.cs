namespace OrleansCms.Checkpoints;

/// <summary>
/// A token bucket of new versions for one program: <paramref name="burst"/> tokens, refilled at
/// <paramref name="perSecond"/> on <paramref name="clock"/>'s monotonic timestamps. Not thread-safe: its grain
/// takes one offer at a time.
/// </summary>
public sealed class VersionRate(double perSecond, int burst, TimeProvider clock)
{
    private double _tokens = burst;
    private long _refilledAt = clock.GetTimestamp();

    /// <summary>Tokens available now (fractions count towards the next one).</summary>
    public double Tokens
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>Takes a token; when none is left, false and how long until one is.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        Refill();
        if (_tokens >= 1)
        {
            _tokens -= 1;
            retryAfter = TimeSpan.Zero;
            return true;
        }

        // Whole milliseconds, rounded up (past floating-point noise), so that an offer made after the wait finds the token there.
        retryAfter = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(Math.Round((1 - _tokens) / perSecond * 1000, 6))));
        return false;
    }

    private void Refill()
    {
        var now = clock.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + (clock.GetElapsedTime(_refilledAt, now).TotalSeconds * perSecond));
        _refilledAt = now;
    }
}
