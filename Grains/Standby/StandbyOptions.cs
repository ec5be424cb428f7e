using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Standby;

/// <summary>Warm standbys (section <c>Cms:Standby</c>): how often they are planned and how much their traffic may take.</summary>
public sealed class StandbyOptions
{
    public const string Section = "Cms:Standby";

    /// <summary>How often an ECU with standby programs re-plans their standbys (a standby that still fits stays).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReplanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Standby bytes this silo may have read or held for sending at once, across all programs; a checkpoint beyond it
    /// is skipped (the next one sends what its standby then lacks). Separate from ingest's budget, and used only while
    /// the silo ingests nothing, so standby traffic never delays an acknowledgement.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long MaxInFlightBytes { get; set; } = 8L << 20;

    /// <summary>Chunk bytes sent to a standby in one call.</summary>
    [Range(64 << 10, 64 << 20)]
    public int BatchBytes { get; set; } = 1 << 20;

    /// <summary>How long one send to a standby may take before the feed gives up on that checkpoint.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
