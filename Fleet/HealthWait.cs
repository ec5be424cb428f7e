namespace OrleansCms.Fleet;

/// <summary>How waiting for a starting silo's health check ended.</summary>
public enum HealthWait
{
    /// <summary>It answered 200: an active cluster member whose PostgreSQL answers.</summary>
    Healthy,

    /// <summary>Its process exited first.</summary>
    Exited,

    /// <summary>It did not answer 200 in time.</summary>
    TimedOut,

    /// <summary>The wait was cancelled.</summary>
    Cancelled,
}
