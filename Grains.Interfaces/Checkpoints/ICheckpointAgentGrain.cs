using OrleansCms.Security;

namespace OrleansCms.Checkpoints;

/// <summary>What only the ECU that runs a program may do with its checkpoints (keyed <c>mac/programId</c>): offer new ones.</summary>
[CalledBy(Callers.Ecu), Alias("OrleansCms.ICheckpointAgentGrain")]
public interface ICheckpointAgentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Offers a new version. The CMS pulls the chunks it does not hold from <paramref name="source"/> within
    /// its in-flight byte budget, verifies every chunk and the whole digest, commits, prunes old versions,
    /// and acknowledges. Idempotent: re-offering a stored version is acknowledged at once.
    /// </summary>
    [Alias("Offer")]
    Task<OfferResult> OfferAsync(CheckpointManifest manifest, IChunkSource source);

    /// <summary>
    /// <see cref="OfferAsync"/> with chunks attached, which saves the pull's round trip: the CMS takes the chunks it
    /// lacks from <paramref name="attached"/> (verified as pulled ones are) and pulls from <paramref name="source"/> only
    /// what is missing from both. An agent attaches the chunks of a small checkpoint. Attachments over the CMS's
    /// <c>Cms:Ingest:MaxAttachedBytes</c> are set aside and their chunks pulled; a chunk the manifest does not name is
    /// refused as <see cref="RejectReason.InvalidManifest"/>.
    /// </summary>
    [Alias("OfferAttached")]
    Task<OfferResult> OfferAttachedAsync(CheckpointManifest manifest, IReadOnlyList<ChunkData> attached, IChunkSource source);
}
