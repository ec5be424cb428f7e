using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// One fuzzed offer: the manifest (perhaps null), the chunks the agent holds and how it serves them, and the
/// reasons a correct CMS may reject it with (empty when the agent's own failure is the answer).
/// </summary>
public sealed record OfferCase(
    string Description,
    CheckpointManifest? Manifest,
    IReadOnlyDictionary<string, ChunkData> Chunks,
    SourceFault Fault,
    bool WithoutSource,
    IReadOnlyList<RejectReason> Expected)
{
    public override string ToString() => Description;
}
