namespace OrleansCms.Fleet;

/// <summary>Where the output of a started process goes.</summary>
public sealed record MemberOutput
{
    /// <summary>Kept in memory (<see cref="DotnetProcess.StandardOutput"/>, <see cref="DotnetProcess.StandardError"/>).</summary>
    public static MemberOutput Captured { get; } = new() { Keep = true };

    /// <summary>
    /// A file that the process appends its standard output and error to itself, so that it keeps logging whatever
    /// happens to whoever started it; nothing is captured then.
    /// </summary>
    public string? LogFile { get; init; }

    /// <summary>Whether the lines are kept in memory.</summary>
    public bool Keep { get; init; }

    /// <summary>Called with each line of standard output.</summary>
    public Action<string>? OnOutput { get; init; }

    /// <summary>Called with each line of standard error.</summary>
    public Action<string>? OnError { get; init; }

    public static MemberOutput ToFile(string path) => new() { LogFile = path };
}
