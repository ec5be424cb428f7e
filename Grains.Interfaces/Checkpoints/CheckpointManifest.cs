using System.Collections.Immutable;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Everything about one checkpoint except its bytes: what an agent offers, and what the CMS keeps per
/// retained version. The payload is the concatenation of <see cref="Chunks"/> in order; <see cref="Sha256"/> is the
/// digest of what <see cref="Digest"/> names (agents write <see cref="ManifestDigest.ChunkList"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.CheckpointManifest")]
public sealed record CheckpointManifest(
    [property: Id(0)] long Version,
    [property: Id(1)] long TotalSize,
    [property: Id(2)] string Sha256,
    [property: Id(3)] ImmutableArray<ChunkRef> Chunks,
    [property: Id(4)] ProgramInfo Program,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] ManifestDigest Digest = ManifestDigest.Payload);
