using System.Reflection;

namespace OrleansCms.Tests.Fixtures;

/// <summary>Where the built programs of this checkout live, for tests that start real processes.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug: whatever this test assembly was built as.</summary>
    public static string Configuration { get; } =
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string SiloDll => Built("Silo", "OrleansCms.Silo.dll");

    public static string EcuAgentDll => Built("EcuAgent", "OrleansCms.EcuAgent.dll");

    public static string LauncherDll => Built("Launcher", "OrleansCms.Launcher.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; run ./cms test or ./cms build.", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansCms.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OrleansCms.sln not found above " + AppContext.BaseDirectory);
    }
}
