namespace OrleansCms.Ecus;

/// <summary>When an ECU's lease has lapsed: the rule the ECU grain's timer and verdict both apply.</summary>
public static class LeaseRules
{
    /// <summary>
    /// The grace an activation grants an ECU that was alive before this silo started: when every silo restarted (the
    /// CMS itself was down), agents need time to reconnect, and the CMS's own outage is no failure of the fleet. An
    /// ECU that became alive while this silo ran gets none: its grain moved here from a dead silo, and it must answer
    /// within one lease as usual.
    /// </summary>
    public static DateTimeOffset GraceAfterActivation(DateTimeOffset? aliveSince, DateTimeOffset siloStartedAt, TimeSpan recoveryGrace) =>
        aliveSince is { } since && since < siloStartedAt ? siloStartedAt + recoveryGrace : DateTimeOffset.MinValue;

    /// <summary>Whether the lease has lapsed: no heartbeat for longer than the lease, and no grace left.</summary>
    public static bool HasLapsed(DateTimeOffset now, DateTimeOffset lastHeartbeat, TimeSpan lease, DateTimeOffset graceUntil) =>
        now - lastHeartbeat > lease && now > graceUntil;
}
