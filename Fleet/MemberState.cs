namespace OrleansCms.Fleet;

/// <summary>Where one process of the fleet stands, as the launcher sees it.</summary>
public enum MemberState
{
    /// <summary>Not started yet, or stopped by the launcher.</summary>
    Stopped,

    /// <summary>Started; a silo is not healthy yet.</summary>
    Starting,

    /// <summary>Runs (a silo answers its health check).</summary>
    Running,

    /// <summary>Exited or was killed while the fleet ran.</summary>
    Exited,
}
