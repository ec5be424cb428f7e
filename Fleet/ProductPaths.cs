using System.Reflection;

namespace OrleansCms.Fleet;

/// <summary>Where the built programs of a checkout are: <c>PROJECT/bin/CONFIGURATION/net10.0/</c> under its root.</summary>
public sealed record ProductPaths(string Root, string Configuration)
{
    private static readonly Lazy<ProductPaths> ThisCheckout = new(() => new ProductPaths(RepositoryRoot(),
        typeof(ProductPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release"));

    /// <summary>The checkout around this assembly, built in the same configuration as this assembly.</summary>
    public static ProductPaths Checkout => ThisCheckout.Value;

    public string SiloDll => Built("Silo", "OrleansCms.Silo.dll");

    public string AgentDll => Built("EcuAgent", "OrleansCms.EcuAgent.dll");

    /// <summary>The sample program that an agent runs for <c>cmd=sample</c>.</summary>
    public string SampleDll => Built("SampleProgram", "OrleansCms.SampleProgram.dll");

    public string LauncherDll => Built("Launcher", "OrleansCms.Launcher.dll");

    private string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; run ./cms build.", path);
    }

    /// <summary>The folder that holds OrleansCms.sln, above this assembly.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansCms.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"OrleansCms.sln not found above {AppContext.BaseDirectory}; run from the checkout's build output.");
    }
}
