using System.Diagnostics;

namespace OrleansCms.Benchmarks;

/// <summary>A real ECU agent process for the benchmarks; its output is discarded unless it fails.</summary>
public sealed class BenchAgent : IAsyncDisposable
{
    private readonly Process _process;

    private BenchAgent(string mac, Process process)
    {
        Mac = mac;
        _process = process;
    }

    public string Mac { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts an agent; its output goes to <paramref name="logFile"/> when given, else nowhere, and line by line to
    /// <paramref name="onOutput"/> when given.
    /// </summary>
    public static BenchAgent Start(BenchSilos cms, string mac, long ramMb, IEnumerable<string> programs, string? logFile = null, Action<string>? onOutput = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args = [BenchPaths.AgentDll, "--cms", cms.GatewayList, "--cluster-id", cms.ClusterId, "--mac", mac, "--ram-mb", $"{ramMb}", "--cpu-cores", "2"];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var program in programs)
        {
            info.ArgumentList.Add("--program");
            info.ArgumentList.Add(program);
        }

        var process = Process.Start(info)!;
        var log = logFile is null ? null : TextWriter.Synchronized(new StreamWriter(logFile) { AutoFlush = true });
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log?.WriteLine(e.Data);
                onOutput?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[agent {mac}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new BenchAgent(mac, process);
    }

    /// <summary>SIGKILL of the agent and its programs: the ECU dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
