using OrleansCms.Checkpoints;

namespace OrleansCms.Standby;

/// <summary>
/// Part of a program's newest checkpoint, sent by the CMS to the ECU that keeps it warm: chunks the standby lacks and,
/// in the last update of a version, that version's <paramref name="Manifest"/> (the standby then keeps exactly its
/// chunks). A standby answers every update with a <see cref="StandbyAnswer"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.StandbyUpdate")]
public sealed record StandbyUpdate(
    [property: Id(0)] CheckpointKey Source,
    [property: Id(1)] IReadOnlyList<ChunkData> Chunks,
    [property: Id(2)] CheckpointManifest? Manifest = null);

/// <summary>
/// Whether the standby keeps the program (false: it would not fit its cache, so the CMS stops sending), and the
/// chunks of the newest manifest it still lacks.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.StandbyAnswer")]
public sealed record StandbyAnswer(
    [property: Id(0)] bool Kept,
    [property: Id(1)] IReadOnlyList<string> Missing);
