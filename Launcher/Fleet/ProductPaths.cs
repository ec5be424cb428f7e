using System.Reflection;

namespace OrleansCms.Launcher.Fleet;

/// <summary>Where the built silo and agent of this checkout are: beside the launcher's own build output.</summary>
public sealed record ProductPaths(string SiloDll, string AgentDll)
{
    /// <summary>The silo and agent built in the same configuration as this launcher, in the repository around it.</summary>
    public static ProductPaths OfThisCheckout()
    {
        var configuration = typeof(ProductPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var root = RepositoryRoot();
        return new ProductPaths(
            Path.Combine(root, "Silo", "bin", configuration, "net10.0", "OrleansCms.Silo.dll"),
            Path.Combine(root, "EcuAgent", "bin", configuration, "net10.0", "OrleansCms.EcuAgent.dll"));
    }

    /// <summary>The folder that holds OrleansCms.sln, above the launcher's assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansCms.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"OrleansCms.sln not found above {AppContext.BaseDirectory}; run the launcher from its build output.");
    }
}
