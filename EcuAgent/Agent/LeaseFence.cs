namespace OrleansCms.Agent;

/// <summary>
/// The agent's side of the ECU lease (docs/architecture.md, "Self-fencing"). The CMS counts its lease from when a
/// heartbeat <em>arrived</em>; the agent counts from when it <em>sent</em> the newest heartbeat the CMS answered,
/// which is never later, and keeps a margin of two heartbeat intervals on top (<see cref="FenceAfterFor"/>). So once no answer came for
/// <see cref="FenceAfter"/>, the CMS may be about to declare the ECU failed and restore its programs elsewhere:
/// the agent must freeze them before that can happen. Times are read from the monotonic clock of
/// <see cref="TimeProvider.GetTimestamp"/>, so a wall-clock step changes nothing.
/// </summary>
public sealed class LeaseFence(TimeProvider clock, TimeSpan heartbeatInterval)
{
    private readonly Lock _lock = new();
    private long _ackedSentAt;
    private TimeSpan _fenceAfter = TimeSpan.Zero;
    private bool _holds;

    /// <summary>How long after sending the newest answered heartbeat the agent still holds its lease.</summary>
    public TimeSpan FenceAfter
    {
        get
        {
            lock (_lock)
            {
                return _fenceAfter;
            }
        }
    }

    /// <summary>Stamps a heartbeat (or registration) about to be sent; hand the stamp to <see cref="Answered"/>.</summary>
    public long Sending() => clock.GetTimestamp();

    /// <summary>
    /// The CMS answered the call stamped <paramref name="sentAt"/> and keeps the ECU alive under a lease of
    /// <paramref name="lease"/>: the agent holds its lease for <see cref="FenceAfterFor"/> from that stamp.
    /// An answer older than one already counted changes nothing.
    /// </summary>
    public void Answered(long sentAt, TimeSpan lease)
    {
        lock (_lock)
        {
            if (_holds && sentAt < _ackedSentAt)
            {
                return;
            }

            _ackedSentAt = sentAt;
            _fenceAfter = FenceAfterFor(lease, heartbeatInterval);
            _holds = true;
        }
    }

    /// <summary>The CMS said the ECU is not alive (failed, fenced, retired, unknown): no lease is held from now on.</summary>
    public void Revoked()
    {
        lock (_lock)
        {
            _holds = false;
        }
    }

    /// <summary>Time left before the lease lapses; zero once it has (or when none is held).</summary>
    public TimeSpan Remaining()
    {
        lock (_lock)
        {
            if (!_holds)
            {
                return TimeSpan.Zero;
            }

            var left = _fenceAfter - clock.GetElapsedTime(_ackedSentAt);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// How long ago the newest answered heartbeat was sent, while a lease is held or has merely lapsed; zero once the
    /// CMS said the ECU is not alive (or before any answer), when renewing it is not the agent's to try.
    /// </summary>
    public TimeSpan SinceAnswered()
    {
        lock (_lock)
        {
            return _holds ? clock.GetElapsedTime(_ackedSentAt) : TimeSpan.Zero;
        }
    }

    /// <summary>Whether the agent holds its lease now: an answered heartbeat less than <see cref="FenceAfter"/> old.</summary>
    public bool Holds() => Remaining() > TimeSpan.Zero;

    /// <summary>
    /// The agent's deadline for a CMS lease: two heartbeat intervals shorter, so that the freeze has at least an
    /// interval to land before the CMS's deadline however late the agent's timer fires, while one lost heartbeat
    /// freezes the programs at most until the next one is answered. Never less than half the lease, should the
    /// CMS run a lease shorter than four intervals.
    /// </summary>
    public static TimeSpan FenceAfterFor(TimeSpan lease, TimeSpan heartbeatInterval)
    {
        var fence = lease - 2 * heartbeatInterval;
        return fence > lease / 2 ? fence : lease / 2;
    }
}
