namespace OrleansCms.Programs;

/// <summary>How to start a program: an executable and its arguments (no shell is involved).</summary>
public sealed record ProgramLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    public const string SampleAssembly = "OrleansCms.SampleProgram.dll";

    /// <summary>
    /// The sample program (SampleProgram project), run as <c>dotnet OrleansCms.SampleProgram.dll args…</c>;
    /// the build copies it next to the agent, and next to anything that references the agent.
    /// </summary>
    public static ProgramLaunch Sample(params string[] args) =>
        new(DotnetHost(), [Path.Combine(AppContext.BaseDirectory, SampleAssembly), .. args]);

    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);

    /// <summary>The muxer running this process when there is one (it need not be on PATH), else <c>dotnet</c>.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
