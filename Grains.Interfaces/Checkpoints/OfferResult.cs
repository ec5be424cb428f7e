namespace OrleansCms.Checkpoints;

/// <summary>What became of an offer.</summary>
public enum OfferStatus
{
    /// <summary>The version is durably stored; the agent may free its copy.</summary>
    Acknowledged = 1,

    /// <summary>The CMS is saturated; offer again after <see cref="OfferResult.RetryAfter"/>. Nothing was lost.</summary>
    Busy = 2,

    /// <summary>
    /// The program offered new versions faster than the CMS accepts them; offer again after
    /// <see cref="OfferResult.RetryAfter"/>. Nothing was stored, and nothing is wrong with the checkpoint.
    /// </summary>
    RateLimited = 3,
}

/// <summary>
/// The answer to <see cref="ICheckpointAgentGrain.OfferAsync"/> and <see cref="ICheckpointAgentGrain.OfferAttachedAsync"/>:
/// <see cref="ChunksPulled"/> and <see cref="BytesPulled"/> count the chunks the CMS lacked and stored, pulled or attached.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.OfferResult")]
public sealed record OfferResult(
    [property: Id(0)] OfferStatus Status,
    [property: Id(1)] long Version,
    [property: Id(2)] int ChunksPulled,
    [property: Id(3)] long BytesPulled,
    [property: Id(4)] TimeSpan RetryAfter)
{
    public bool IsAcknowledged => Status == OfferStatus.Acknowledged;
}
