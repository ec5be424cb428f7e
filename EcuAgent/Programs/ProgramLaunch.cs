namespace OrleansCms.Programs;

/// <summary>How to start a program: an executable and its arguments (no shell is involved).</summary>
public sealed record ProgramLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    public const string SampleAssembly = "OrleansCms.SampleProgram.dll";

    /// <summary>The environment variable that names the sample program's assembly.</summary>
    public const string SampleVariable = "CMS_SAMPLE_PROGRAM";

    /// <summary>
    /// The sample program (SampleProgram project), run as <c>dotnet OrleansCms.SampleProgram.dll args…</c>: the
    /// assembly that <c>$CMS_SAMPLE_PROGRAM</c> names (as <c>./cms</c> and the launcher set it), else the one beside
    /// this assembly, where a deployment would put it.
    /// </summary>
    public static ProgramLaunch Sample(params string[] args) =>
        new(DotnetHost(), [SamplePath(), .. args]);

    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);

    private static string SamplePath() => Environment.GetEnvironmentVariable(SampleVariable) is { Length: > 0 } path
        ? path
        : Path.Combine(AppContext.BaseDirectory, SampleAssembly);

    /// <summary>The muxer running this process when there is one (it need not be on PATH), else <c>dotnet</c>.</summary>
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
