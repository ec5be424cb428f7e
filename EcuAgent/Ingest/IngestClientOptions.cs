using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Ingest;

/// <summary>How an agent chunks, buffers and offers its checkpoints (section <c>Agent:Ingest</c>).</summary>
public sealed class IngestClientOptions : IValidatableObject
{
    public const string Section = "Agent:Ingest";

    /// <summary>Bytes per chunk (the last chunk of a payload is shorter). Must not exceed the CMS's largest accepted chunk.</summary>
    [Range(4 << 10, 1 << 20)]
    public int ChunkSize { get; set; } = 64 << 10;

    /// <summary>Encoded bytes of unacknowledged checkpoints kept locally; beyond it the oldest are dropped.</summary>
    [Range(1L, long.MaxValue)]
    public long BufferBytes { get; set; } = 256L << 20;

    /// <summary>Unacknowledged versions kept per program; null for no limit but <see cref="BufferBytes"/>.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxVersionsPerProgram { get; set; }

    /// <summary>First wait after a failed offer; it doubles (with jitter) up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one offer may take before it is offered again. Orleans answers a call whose gateway died only at its
    /// response timeout (30 s); the repeat goes through a live gateway, and an offer that was only slow is harmless to
    /// repeat (the grain acknowledges a stored version again without pulling anything).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan OfferTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Offers in flight at once, across all programs (one per program at most).</summary>
    [Range(1, 1024)]
    public int MaxConcurrentOffers { get; set; } = 4;

    /// <summary>
    /// A checkpoint whose distinct chunks take at most this many encoded bytes is offered with them attached, which
    /// saves the CMS's pull (a round trip through the gateway); larger ones are pulled, and deduplicated on the way.
    /// 0 attaches nothing. Keep it within the CMS's <c>Cms:Ingest:MaxAttachedBytes</c> (1 MiB by default), beyond
    /// which the CMS pulls the chunks anyway. A retry after a failed offer attaches nothing (a CMS older than this
    /// agent does not know attached offers).
    /// </summary>
    [Range(0, 64 << 20)]
    public int AttachUpToBytes { get; set; } = 256 << 10;

    /// <summary>Throws a <see cref="ValidationException"/> when a value is out of range.</summary>
    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (MaxBackoff < InitialBackoff)
        {
            yield return new ValidationResult("MaxBackoff must not be shorter than InitialBackoff.", [nameof(MaxBackoff)]);
        }
    }
}
