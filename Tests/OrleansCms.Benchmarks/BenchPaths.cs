namespace OrleansCms.Benchmarks;

/// <summary>Where the built silo and agent live, relative to this benchmark's own output folder.</summary>
public static class BenchPaths
{
    public static string SiloDll { get; } = Path.GetFullPath(Path.Combine(
        AppContext.BaseDirectory, "..", "..", "..", "..", "..", "Silo", "bin", "Release", "net10.0", "OrleansCms.Silo.dll"));

    public static string AgentDll { get; } = Path.GetFullPath(Path.Combine(
        AppContext.BaseDirectory, "..", "..", "..", "..", "..", "EcuAgent", "bin", "Release", "net10.0", "OrleansCms.EcuAgent.dll"));
}
