namespace OrleansCms.Checkpoints;

/// <summary>
/// Answer to <see cref="ICheckpointGrain.GetStatusAsync"/>: the retained versions (newest first), who claimed the
/// program, when its checkpoints will be released (once they are needed no more) and when they were; and its warm
/// standby, if it has one: the ECU and the newest version that ECU holds complete (0: none yet).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.CheckpointStatus")]
public sealed record CheckpointStatus(
    [property: Id(0)] IReadOnlyList<CheckpointManifest> Versions,
    [property: Id(1)] string? Claimant,
    [property: Id(2)] DateTimeOffset? ReleaseDueAt,
    [property: Id(3)] DateTimeOffset? ReleasedAt,
    [property: Id(4)] string? StandbyMac = null,
    [property: Id(5)] long StandbyVersion = 0);
