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
}
