namespace OrleansCms.Tests.Fixtures;

/// <summary>A real ECU agent process started by a test; <see cref="Kill"/> is the ECU dying with all its programs.</summary>
public sealed class AgentProcess(string mac, ChildProcess process) : IAsyncDisposable
{
    public string Mac { get; } = mac;

    public ChildProcess Process { get; } = process;

    public bool HasExited => Process.HasExited;

    /// <summary>SIGKILL of the agent and its program processes, as when the ECU fails.</summary>
    public void Kill() => Process.Kill();

    /// <summary>The pids of the agent's running child processes (its programs).</summary>
    public IReadOnlyList<int> ChildPids() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => int.Parse(name!, System.Globalization.CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == Process.Id)];

    public IReadOnlyList<string> Output => Process.StandardOutput;

    public override string ToString() => string.Join(Environment.NewLine, Process.StandardOutput.TakeLast(40).Concat(Process.StandardError.TakeLast(20)));

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
