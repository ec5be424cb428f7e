using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Storage;

/// <summary>Limits and pacing of checkpoint ingest on one silo (section <c>Cms:Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Cms:Ingest";

    /// <summary>Payload bytes this silo may have pulled but not yet stored, across all offers. Senders wait beyond it.</summary>
    [Range(1 << 20, long.MaxValue)]
    public long MaxInFlightBytes { get; set; } = 64L << 20;

    /// <summary>Bytes pulled from an agent in one request.</summary>
    [Range(64 << 10, int.MaxValue)]
    public int PullBatchBytes { get; set; } = 4 << 20;

    /// <summary>How long an offer waits for budget before it answers Busy (the agent retries later).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan BudgetWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one pull of chunks from an agent may take. The checkpoint grain handles one call at a time, so a pull
    /// from an agent that died mid-offer would otherwise hold up the program's claim by its restoration.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PullTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Encoded bytes of chunks an agent may attach to an offer (<c>OfferAttached</c>); attachments over it are set
    /// aside unread and their chunks pulled instead. 0 sets every attachment aside.
    /// </summary>
    [Range(0, 64 << 20)]
    public int MaxAttachedBytes { get; set; } = 1 << 20;

    /// <summary>Largest accepted checkpoint payload.</summary>
    [Range(0, long.MaxValue)]
    public long MaxPayloadBytes { get; set; } = 1L << 30;

    /// <summary>Largest accepted chunk (decoded).</summary>
    [Range(1, 64 << 20)]
    public int MaxChunkBytes { get; set; } = 1 << 20;

    /// <summary>Most chunks one manifest may list: a 1 GiB checkpoint cut into the agent's smallest chunks (4 KiB).</summary>
    [Range(1, 16 << 20)]
    public int MaxChunksPerManifest { get; set; } = 256 << 10;

    /// <summary>
    /// New versions one program may offer per second, on average (a token bucket of <see cref="VersionBurst"/> tokens
    /// in its checkpoint grain); an offer beyond it is answered <c>RateLimited</c> with the time to wait.
    /// </summary>
    [Range(0.001, 1_000_000)]
    public double MaxVersionsPerSecond { get; set; } = 100;

    /// <summary>New versions one program may offer back to back before <see cref="MaxVersionsPerSecond"/> applies.</summary>
    [Range(1, 1_000_000)]
    public int VersionBurst { get; set; } = 200;

    /// <summary>
    /// Logical bytes all programs of one ECU may keep stored: the sum of the total sizes of their retained versions
    /// (and of the upload under way per program). An offer that would take the ECU beyond it is refused as
    /// <c>QuotaExceeded</c>.
    /// </summary>
    [Range(64L << 10, long.MaxValue)]
    public long MaxBytesPerEcu { get; set; } = 16L << 30;

    /// <summary>How often each silo deletes chunks that no retained version references any more.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan CollectInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Versions kept per program; older ones are pruned and their unshared chunks collected.</summary>
    [Range(1, 1000)]
    public int RetainedVersions { get; set; } = 3;

    /// <summary>
    /// How long the checkpoints of a program that needs them no more (its claiming restoration finished, or the
    /// program was stopped, retired or abandoned) are kept before they are released and their chunks collected.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "90.00:00:00")]
    public TimeSpan ReleaseAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often a program's checkpoint grain (by a reminder) checks whether its checkpoints may be released; raised to
    /// the reminder service's minimum period (one minute by default) when shorter.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ReleaseCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
