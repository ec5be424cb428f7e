namespace OrleansCms.Checkpoints;

/// <summary>
/// Answer to <see cref="ICheckpointGrain.ClaimAsync"/>: whether the caller holds the program's claim and, if so,
/// the versions it may restore from (frozen: a claimed program accepts no further checkpoint).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ClaimResult")]
public sealed record ClaimResult(
    [property: Id(0)] bool Granted,
    [property: Id(1)] string Holder,
    [property: Id(2)] IReadOnlyList<CheckpointManifest> Versions);
