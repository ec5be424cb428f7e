namespace OrleansCms.Checkpoints;

/// <summary>What a program does while its agent is cut off from the CMS (its lease lapsed).</summary>
public enum IsolationPolicy
{
    /// <summary>
    /// Frozen (SIGSTOP) until the CMS answers again, and restored elsewhere once the lease is over by the CMS's
    /// clock: at no instant do two copies run. The default, for programs that act on the world.
    /// </summary>
    Freeze = 0,

    /// <summary>
    /// Runs on, and is restored elsewhere only when the ECU's failure is confirmed (declared by an operator or a
    /// monitor): for programs whose availability matters more than exclusivity. A lapsed lease alone does not
    /// move it, and a cut-off ECU that comes back keeps it.
    /// </summary>
    Continue = 1,
}
