using OrleansCms.Ecus;

namespace OrleansCms.Agent;

/// <summary>
/// The agent's memory of the newest command per logical program (<see cref="FencingMark"/>), so that a stale command
/// is refused before it reads a checkpoint. It is lost with the agent; the ECU's grain keeps the durable one, checked
/// when the program registers, before its process starts.
/// </summary>
public sealed class CommandFence(TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FencingMark> _newest = [];

    /// <summary>Takes the command and remembers it as the newest for <paramref name="root"/>, or answers the newer mark that refuses it.</summary>
    public FencingMark? Admit(string root, FencingToken token, string commandId)
    {
        lock (_lock)
        {
            if (_newest.GetValueOrDefault(root) is { } newest && newest.Refuses(token, commandId))
            {
                return newest;
            }

            if (_newest.GetValueOrDefault(root) is not { } seen || token > seen.Token)
            {
                _newest[root] = new FencingMark(token, commandId, clock.GetUtcNow());
            }

            return null;
        }
    }
}
