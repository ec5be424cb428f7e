using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Restoration;

/// <summary>Pacing of restorations and migrations (section <c>Cms:Restoration</c>).</summary>
public sealed class RestorationOptions
{
    public const string Section = "Cms:Restoration";

    /// <summary>Pause between two rounds while programs are pending (no target fits, a target is unreachable).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a target agent may take to pull a checkpoint and start the program.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a migration waits for the source's fresh checkpoint before it uses the newest stored one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan FreshCheckpointTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>While waiting for an agent's answer, how often the restoration checks that the agent's ECU still lives.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan AlivePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Placement weighs each ECU's CPU load averaged over this much of its recent heartbeats: a single sample is
    /// noise (an agent's own start-up, a checkpoint being taken) that would send a whole batch elsewhere.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CpuLoadAveraging { get; set; } = TimeSpan.FromSeconds(5);
}
