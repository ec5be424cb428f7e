using System.ComponentModel;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansCms.Programs;

/// <summary>
/// Starts program processes so that they cannot outlive the agent: each is started through <c>setpriv
/// --pdeathsig KILL</c> (util-linux), so the kernel sends it SIGKILL when its parent dies, frozen or not, and
/// however the agent died. Linux ties that signal to the parent <em>thread</em> that started the child, so every
/// start happens on one thread that lives as long as the agent; a thread-pool thread that retires would kill the
/// programs it had started.
/// </summary>
public static class ProgramSpawner
{
    private const string Setpriv = "/usr/bin/setpriv";
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = [];
    private static readonly Lazy<Thread> Spawner = new(() =>
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = "program spawner" };
        thread.Start();
        return thread;
    });

    /// <summary>Whether programs are tied to the agent's life (Linux with setpriv); otherwise they are started plainly.</summary>
    public static bool TiesProgramsToAgent { get; } = OperatingSystem.IsLinux() && File.Exists(Setpriv);

    /// <summary>Starts <paramref name="launch"/> with redirected standard streams.</summary>
    /// <exception cref="InvalidOperationException">The program cannot be started (no such executable, no permission).</exception>
    public static Task<Process> StartAsync(ProgramLaunch launch)
    {
        var executable = Locate(launch.FileName)
            ?? throw new InvalidOperationException($"Cannot start program '{launch}': no executable '{launch.FileName}' was found.");
        var info = new ProcessStartInfo(TiesProgramsToAgent ? Setpriv : executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (TiesProgramsToAgent)
        {
            foreach (var argument in (string[])["--pdeathsig", "KILL", "--", executable])
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Spawner.Value;
        Requests.Add((info, started));
        return started.Task.ContinueWith(
            t => t.IsFaulted && t.Exception!.InnerException is Win32Exception e
                ? throw new InvalidOperationException($"Cannot start program '{launch}': {e.Message}", e)
                : t.Result,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The full path of an executable file, looked up in PATH when the name has no slash; null if none.</summary>
    public static string? Locate(string fileName)
    {
        if (fileName.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(fileName) ? Path.GetFullPath(fileName) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, fileName))
            .FirstOrDefault(IsExecutable);
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    private static void Serve()
    {
        foreach (var (info, started) in Requests.GetConsumingEnumerable())
        {
            var process = new Process { StartInfo = info };
            try
            {
                process.Start();
                started.SetResult(process);
            }
            catch (Exception e)
            {
                process.Dispose();
                started.SetException(e);
            }
        }
    }
}
