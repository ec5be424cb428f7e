using System.Diagnostics;
using System.Globalization;

namespace OrleansCms.Launcher.Fleet;

/// <summary>
/// One process of the fleet, started as <c>dotnet DLL ARGS</c> with its output appended to its own log file (written
/// by the process itself, so that it keeps logging whatever happens to the launcher). It can be killed (SIGKILL),
/// stopped (SIGTERM, then SIGKILL after a grace period) and started again with the same arguments.
/// </summary>
public sealed class FleetMember(MemberSpec spec, string dll, string logFile, IReadOnlyDictionary<string, string> environment)
{
    private readonly Lock _gate = new();
    private Process? _process;
    private bool _exitExpected;
    private string? _killedBy;

    public MemberSpec Spec { get; } = spec;

    public string LogFile { get; } = logFile;

    public MemberState State { get; private set; } = MemberState.Stopped;

    /// <summary>When <see cref="State"/> last changed.</summary>
    public DateTimeOffset Since { get; private set; } = DateTimeOffset.Now;

    /// <summary>The pid of the current process, or of the last one after it exited.</summary>
    public int? ProcessId { get; private set; }

    /// <summary>How the last process ended (<c>killed (SIGKILL) by ./cms kill</c>, <c>exited with code 2</c>), or null.</summary>
    public string? ExitReason { get; private set; }

    /// <summary>Raised when the process ends without the launcher stopping it (a crash, a kill from outside or ./cms kill).</summary>
    public event Action<FleetMember>? ExitedUnexpectedly;

    public bool IsAlive => State is MemberState.Starting or MemberState.Running;

    public void Start()
    {
        lock (_gate)
        {
            if (IsAlive)
            {
                throw new InvalidOperationException($"{Spec.Name} already runs (pid {ProcessId}).");
            }

            // sh execs dotnet with its output appended to the log: same pid, and the log outlives the launcher.
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            foreach (var arg in new[] { "-c", "exec \"$0\" \"$@\" >>\"$CMS_MEMBER_LOG\" 2>&1", "dotnet", dll }.Concat(Spec.Arguments))
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }

            info.Environment["CMS_MEMBER_LOG"] = LogFile;
            File.AppendAllText(LogFile, $"---- {Spec.Name} started by the launcher at {DateTimeOffset.Now:O} ----{Environment.NewLine}");
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            process.Exited += (_, _) => OnExited(process);
            _exitExpected = false;
            _killedBy = null;
            ExitReason = null;
            process.Start();
            _process = process;
            ProcessId = process.Id;
            SetState(Spec.Kind == MemberKind.Silo ? MemberState.Starting : MemberState.Running);
        }
    }

    /// <summary>A silo answered its health check.</summary>
    public void MarkHealthy()
    {
        lock (_gate)
        {
            if (State == MemberState.Starting)
            {
                SetState(MemberState.Running);
            }
        }
    }

    /// <summary>SIGKILL, as a power loss: no shutdown code runs. False when it does not run.</summary>
    public bool Kill(string by)
    {
        lock (_gate)
        {
            if (!IsAlive || _process is null)
            {
                return false;
            }

            _killedBy = by;
            _process.Kill();
            return true;
        }
    }

    /// <summary>SIGTERM (a graceful shutdown), then SIGKILL if it is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
            if (!IsAlive || process is null)
            {
                return;
            }

            _exitExpected = true;
            Signals.Send(process.Id, Signals.Terminate);
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    private void OnExited(Process process)
    {
        bool unexpected;
        lock (_gate)
        {
            if (!ReferenceEquals(process, _process))
            {
                return;
            }

            var code = process.ExitCode;
            ExitReason = code > 128 && code < 160
                ? $"killed by {SignalName(code - 128)}{(_killedBy is null ? "" : $" from {_killedBy}")}"
                : $"exited with code {code.ToString(CultureInfo.InvariantCulture)}";
            unexpected = !_exitExpected;
            SetState(unexpected ? MemberState.Exited : MemberState.Stopped);
            process.Dispose();
            _process = null;
        }

        if (unexpected)
        {
            ExitedUnexpectedly?.Invoke(this);
        }
    }

    private static string SignalName(int signal) => signal switch
    {
        2 => "SIGINT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => $"signal {signal.ToString(CultureInfo.InvariantCulture)}",
    };

    private void SetState(MemberState state)
    {
        State = state;
        Since = DateTimeOffset.Now;
    }
}
