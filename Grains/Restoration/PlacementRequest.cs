using OrleansCms.Checkpoints;

namespace OrleansCms.Restoration;

/// <summary>One program to be given a target ECU by <see cref="PlacementPolicy"/>.</summary>
/// <param name="ProgramKey">Opaque id of the program (e.g. <c>aa:bb:cc:dd:ee:ff/3</c>); unique within a batch.</param>
/// <param name="Program">The program as its agent declared it.</param>
/// <param name="CheckpointBytes">Size of the checkpoint to restore, ≥ 0; a floor for the RAM the program needs.</param>
/// <param name="ExcludeMac">An ECU it must not go to: the failed source, or a target that refused it.</param>
/// <param name="PreferredMac">An ECU chosen whenever it fits at all: the operator's migration target, or the same ECU for a crashed program.</param>
public sealed record PlacementRequest(
    string ProgramKey,
    ProgramInfo Program,
    long CheckpointBytes,
    string? ExcludeMac = null,
    string? PreferredMac = null);
