using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>
/// A running <c>dotnet DLL ARGS</c> (a silo, an agent, the launcher), started in the DLL's folder; its output goes
/// where its <see cref="LaunchOptions"/> say. Disposing it SIGKILLs it with its children.
/// </summary>
public sealed class DotnetProcess : IAsyncDisposable, IDisposable
{
    // sh execs the command with its output appended to the log: same pid, and the log outlives whoever started it.
    private const string AppendToLog = "exec \"$0\" \"$@\" >>\"$CMS_MEMBER_LOG\" 2>&1";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DotnetProcess(Process process) => _process = process;

    public int Id { get; private set; }

    public bool HasExited => _exited.Task.IsCompleted || _process.HasExited;

    /// <summary>Completes with the exit code when the process has exited; 128 + N when signal N ended it.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>The lines of standard output so far, when kept (<see cref="MemberOutput.Keep"/>).</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>The lines of standard error so far, when kept.</summary>
    public IReadOnlyList<string> StandardError => [.. _stderr];

    /// <summary>CPU time used so far, user and system.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="arguments"/></c>.</summary>
    public static DotnetProcess Start(string dll, IEnumerable<string> arguments, LaunchOptions? options = null)
    {
        options ??= new LaunchOptions();
        var output = options.Output;
        List<string> command = [.. options.Prefix, "dotnet", dll, .. arguments];
        if (output.LogFile is not null)
        {
            command = ["/bin/sh", "-c", AppendToLog, .. command];
        }

        var redirect = output.LogFile is null;
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        command.Skip(1).ToList().ForEach(info.ArgumentList.Add);
        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        if (output.LogFile is not null)
        {
            info.Environment["CMS_MEMBER_LOG"] = output.LogFile;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new DotnetProcess(process);
        process.Exited += (_, _) => started._exited.TrySetResult(process.ExitCode);
        if (redirect)
        {
            process.OutputDataReceived += (_, e) => Take(e.Data, started._stdout, output.OnOutput, output.Keep);
            process.ErrorDataReceived += (_, e) => Take(e.Data, started._stderr, output.OnError, output.Keep);
        }

        process.Start();
        started.Id = process.Id;
        if (redirect)
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return started;
    }

    /// <summary>Waits for the process to exit and returns its exit code; kills it and fails at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"process {Id} did not exit within {timeout.TotalSeconds} s; stderr: {string.Join(" | ", _stderr)}");
        }

        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, without any shutdown code running; by default its children too.</summary>
    public void Kill(bool withChildren = true)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: withChildren);
        }
    }

    /// <summary>SIGTERM (a graceful shutdown), then SIGKILL of the process alone if it still runs after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Signals.Send(Id, Signals.Terminate);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(withChildren: false);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Sends a signal by name, such as STOP or CONT (a paused process keeps its sockets but says nothing).</summary>
    public void Signal(string name)
    {
        if (!Signals.Send(Id, Signals.Number(name)))
        {
            throw new InvalidOperationException($"kill -{name} {Id.ToString(CultureInfo.InvariantCulture)} failed: no such process");
        }
    }

    /// <summary>The pids of its running child processes (an agent's programs).</summary>
    public IReadOnlyList<int> ChildPids() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == Id)];

    /// <summary>SIGKILLs it with its children if it still runs, without waiting.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static void Take(string? line, ConcurrentQueue<string> lines, Action<string>? callback, bool keep)
    {
        if (line is null)
        {
            return;
        }

        if (keep)
        {
            lines.Enqueue(line);
        }

        callback?.Invoke(line);
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // it has gone
        }
    }
}
