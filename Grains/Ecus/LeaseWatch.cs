namespace OrleansCms.Ecus;

/// <summary>
/// The lease of an alive ECU, kept in memory: when its last heartbeat was taken, and until when a recovery grace
/// holds. The grain's timer asks <see cref="Lapsed"/> and sends itself the verdict; the verdict stands only if
/// <see cref="Confirms"/> it, so a heartbeat taken in between (queued while the grain was busy) cancels it.
/// </summary>
/// <param name="lease">How long an ECU may stay silent.</param>
public sealed class LeaseWatch(TimeSpan lease)
{
    private DateTimeOffset _graceUntil = DateTimeOffset.MinValue;

    /// <summary>When the lease was last renewed; null before the first renewal.</summary>
    public DateTimeOffset? LastHeartbeat { get; private set; }

    /// <summary>
    /// A heartbeat was taken, or a registration or activation starts a fresh lease: it runs from
    /// <paramref name="now"/>, and any grace is over (the agent is back).
    /// </summary>
    public void Renew(DateTimeOffset now)
    {
        LastHeartbeat = now;
        _graceUntil = DateTimeOffset.MinValue;
    }

    /// <summary>Grants an activation's recovery grace (see <see cref="LeaseRules.GraceAfterActivation"/>) and returns its end.</summary>
    public DateTimeOffset GrantRecoveryGrace(DateTimeOffset? aliveSince, DateTimeOffset clusterFormedAt, TimeSpan recoveryGrace) =>
        _graceUntil = LeaseRules.GraceAfterActivation(aliveSince, clusterFormedAt, recoveryGrace);

    /// <summary>The last heartbeat if the lease has lapsed at <paramref name="now"/>; null while it holds.</summary>
    public DateTimeOffset? Lapsed(DateTimeOffset now) =>
        LastHeartbeat is { } last && LeaseRules.HasLapsed(now, last, lease, _graceUntil) ? last : null;

    /// <summary>Whether the heartbeats are late by more than half the lease, the lease not lapsed yet (<see cref="LeaseRules.IsSuspect"/>).</summary>
    public bool IsSuspect(DateTimeOffset now) =>
        LastHeartbeat is { } last && LeaseRules.IsSuspect(now, last, lease, _graceUntil);

    /// <summary>Whether a verdict on <paramref name="lastHeartbeat"/> stands: no heartbeat since, and the lease still lapsed.</summary>
    public bool Confirms(DateTimeOffset lastHeartbeat, DateTimeOffset now) =>
        LastHeartbeat == lastHeartbeat && LeaseRules.HasLapsed(now, lastHeartbeat, lease, _graceUntil);
}
