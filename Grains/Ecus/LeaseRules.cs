namespace OrleansCms.Ecus;

/// <summary>When an ECU's lease has lapsed: the rule the ECU grain's timer and verdict both apply.</summary>
public static class LeaseRules
{
    /// <summary>
    /// The grace an activation grants an ECU that was alive before the running CMS came up (every silo restarted:
    /// the CMS itself was down): agents need time to reconnect, and the CMS's own outage is no failure of the fleet.
    /// An ECU that became alive while the CMS ran gets none: its grain moved here from a dead silo, and it must
    /// answer within one lease as usual.
    /// </summary>
    public static DateTimeOffset GraceAfterActivation(DateTimeOffset? aliveSince, DateTimeOffset clusterFormedAt, TimeSpan recoveryGrace) =>
        aliveSince is { } since && since < clusterFormedAt ? clusterFormedAt + recoveryGrace : DateTimeOffset.MinValue;

    /// <summary>Whether the lease has lapsed: no heartbeat for longer than the lease, and no grace left.</summary>
    public static bool HasLapsed(DateTimeOffset now, DateTimeOffset lastHeartbeat, TimeSpan lease, DateTimeOffset graceUntil) =>
        now - lastHeartbeat > lease && now > graceUntil;

    /// <summary>
    /// Whether an alive ECU is suspect: its heartbeats are late by more than half the lease, which is when a cut-off
    /// agent has frozen its programs (with the default heartbeat interval), while its lease has not lapsed yet.
    /// </summary>
    public static bool IsSuspect(DateTimeOffset now, DateTimeOffset lastHeartbeat, TimeSpan lease, DateTimeOffset graceUntil) =>
        now - lastHeartbeat > lease / 2 && now > graceUntil;
}
