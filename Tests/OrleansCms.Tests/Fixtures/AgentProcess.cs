using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>A real ECU agent process started by a test; <see cref="Kill"/> is the ECU dying with all its programs.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly FleetMember _member;

    private AgentProcess(FleetMember member) => _member = member;

    /// <summary>Starts <paramref name="member"/>, an agent.</summary>
    public static AgentProcess Start(FleetMember member)
    {
        member.Start();
        return new AgentProcess(member);
    }

    public string Mac => _member.Spec.Mac!;

    public DotnetProcess Process => _member.Process!;

    public bool HasExited => Process.HasExited;

    /// <summary>SIGKILL of the agent and its program processes, as when the ECU fails.</summary>
    public void Kill() => _member.Kill();

    /// <summary>The pids of the agent's running child processes (its programs).</summary>
    public IReadOnlyList<int> ChildPids() => _member.ChildPids();

    public IReadOnlyList<string> Output => Process.StandardOutput;

    public override string ToString() => string.Join(Environment.NewLine, Process.StandardOutput.TakeLast(40).Concat(Process.StandardError.TakeLast(20)));

    public ValueTask DisposeAsync() => _member.DisposeAsync();
}
