using System.Diagnostics;
using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>Runs functions of the project's scripts/postgres.sh and postgres-ha.sh, as ./cms does, for servers of the tests' own.</summary>
public static class PostgresScripts
{
    /// <summary>Runs <paramref name="commands"/> (bash) with CMS_HOME <paramref name="home"/> and returns their output; throws with their errors when they fail.</summary>
    public static async Task<string> RunAsync(string home, string commands)
    {
        var scripts = Path.Combine(ProductPaths.Checkout.Root, "scripts");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($". \"{Path.Combine(scripts, "postgres.sh")}\" && . \"{Path.Combine(scripts, "postgres-ha.sh")}\" && {commands}");
        info.Environment["CMS_HOME"] = home;
        using var script = Process.Start(info)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        return script.ExitCode == 0 ? await output : throw new InvalidOperationException($"'{commands}' failed: {await errors}");
    }

    /// <summary>Deletes a server's files: <paramref name="home"/> and the folder its <paramref name="name"/>.home file names (elsewhere when run as root).</summary>
    public static async Task DeleteAsync(string home, string name)
    {
        var marker = Path.Combine(home, $"{name}.home");
        var data = File.Exists(marker) ? (await File.ReadAllTextAsync(marker)).Trim() : null;
        Directory.Delete(home, recursive: true);
        if (data is not null && Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
