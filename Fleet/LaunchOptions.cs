namespace OrleansCms.Fleet;

/// <summary>How a process is started besides its program and arguments.</summary>
public sealed record LaunchOptions
{
    /// <summary>Variables set for the process (it inherits the others); a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>A command that the process runs behind and that execs it, keeping its pid, e.g. <c>ip netns exec NAME</c>.</summary>
    public IReadOnlyList<string> Prefix { get; init; } = [];

    public MemberOutput Output { get; init; } = MemberOutput.Captured;
}
