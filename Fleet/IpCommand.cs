using System.Diagnostics;

namespace OrleansCms.Fleet;

/// <summary>Runs iproute2's <c>ip</c> (network namespaces, veth pairs, bridges; needs root and CAP_NET_ADMIN).</summary>
public static class IpCommand
{
    /// <summary>Runs <c>ip ARGS</c>; null on success, else what failed and why.</summary>
    public static string? Run(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        args.ToList().ForEach(info.ArgumentList.Add);
        try
        {
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"ip {string.Join(' ', args)}: exit {process.ExitCode}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"ip {string.Join(' ', args)}: {e.Message}";
        }
    }

    /// <summary>Runs <c>ip ARGS</c> and throws what failed.</summary>
    public static void Require(params string[] args)
    {
        if (Run(args) is { } failure)
        {
            throw new InvalidOperationException(failure);
        }
    }
}
