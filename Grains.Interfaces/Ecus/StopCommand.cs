using OrleansCms.Checkpoints;

namespace OrleansCms.Ecus;

/// <summary>
/// Stop program <paramref name="ProgramId"/> on the receiving ECU. A migration's source copy names the copy that
/// carries it on in <paramref name="Successor"/>; without one the program simply stops. <paramref name="Token"/>
/// orders it among the commands for the logical program <paramref name="Root"/> (see <see cref="FencingToken"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.StopCommand")]
public sealed record StopCommand(
    [property: Id(0)] string CommandId,
    [property: Id(1)] int ProgramId,
    [property: Id(2)] string Reason,
    [property: Id(3)] CheckpointKey? Successor = null,
    [property: Id(4)] FencingToken Token = default,
    [property: Id(5)] string? Root = null);
