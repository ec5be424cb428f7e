namespace OrleansCms.Ecus;

/// <summary>
/// The newest command an ECU has taken for one logical program: its token and id, and when it was taken. The rule
/// both the ECU's grain and its agent apply: an older token is refused, and so is the same token under another
/// command id; the same token and id is a repeat of that command.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.FencingMark")]
public sealed record FencingMark(
    [property: Id(0)] FencingToken Token,
    [property: Id(1)] string CommandId,
    [property: Id(2)] DateTimeOffset At)
{
    /// <summary>Whether a command with <paramref name="token"/> and <paramref name="commandId"/> is stale next to this one.</summary>
    public bool Refuses(FencingToken token, string commandId) => token < Token || token == Token && commandId != CommandId;
}
