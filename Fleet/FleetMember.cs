using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>
/// One process of a fleet, started from this checkout's build as its <see cref="MemberSpec"/> says. It can be killed
/// (SIGKILL), stopped (SIGTERM, then SIGKILL after a grace period) and started again with the same arguments, on
/// the same ports. An agent is told where the sample program is (<c>CMS_SAMPLE_PROGRAM</c>) for <c>cmd=sample</c>.
/// </summary>
public sealed class FleetMember : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly string _dll;
    private readonly LaunchOptions _options;
    private readonly List<string> _earlier = [];
    private DotnetProcess? _process;
    private Task _life = Task.CompletedTask;
    private bool _exitExpected;
    private string? _killedBy;

    public FleetMember(MemberSpec spec, ProductPaths paths, LaunchOptions options)
    {
        Spec = spec;
        _dll = spec.Kind == MemberKind.Silo ? paths.SiloDll : paths.AgentDll;
        _options = spec.Kind == MemberKind.Agent && !options.Environment.ContainsKey("CMS_SAMPLE_PROGRAM")
            ? options with { Environment = new Dictionary<string, string?>(options.Environment) { ["CMS_SAMPLE_PROGRAM"] = paths.SampleDll } }
            : options;
    }

    public MemberSpec Spec { get; }

    /// <summary>The file its output is appended to, or null when it is captured.</summary>
    public string? LogFile => _options.Output.LogFile;

    public MemberState State { get; private set; } = MemberState.Stopped;

    /// <summary>When <see cref="State"/> last changed.</summary>
    public DateTimeOffset Since { get; private set; } = DateTimeOffset.Now;

    /// <summary>The current process, or the last one after it exited; null before the first start.</summary>
    public DotnetProcess? Process => _process;

    /// <summary>The pid of the current process, or of the last one after it exited.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>How the last process ended (<c>killed by SIGKILL from ./cms kill</c>, <c>exited with code 2</c>), or null.</summary>
    public string? ExitReason { get; private set; }

    /// <summary>Raised when the process ends without being stopped (a crash, a kill from outside or <see cref="Kill"/>).</summary>
    public event Action<FleetMember>? ExitedUnexpectedly;

    public bool IsAlive => State is MemberState.Starting or MemberState.Running;

    /// <summary>The captured standard output of every start so far, one marker line between two.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_gate)
            {
                return [.. _earlier, .. _process?.StandardOutput ?? []];
            }
        }
    }

    /// <summary>Starts the process (again); a silo is <see cref="MemberState.Starting"/> until <see cref="MarkHealthy"/>.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                throw new InvalidOperationException($"{Spec.Name} already runs (pid {ProcessId}).");
            }

            if (_process is { } last)
            {
                _earlier.AddRange([.. last.StandardOutput, $"---- {Spec.Name} restarted at {DateTimeOffset.Now:O} ----"]);
                last.Dispose();
            }

            if (LogFile is not null)
            {
                File.AppendAllText(LogFile, $"---- {Spec.Name} started by the launcher at {DateTimeOffset.Now:O} ----{Environment.NewLine}");
            }

            _exitExpected = false;
            _killedBy = null;
            ExitReason = null;
            var process = DotnetProcess.Start(_dll, Spec.Arguments, _options);
            _process = process;
            _life = WatchAsync(process);
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

    /// <summary>
    /// SIGKILL, as a power loss: no shutdown code runs; <paramref name="withChildren"/>, an agent's programs die at
    /// the same instant. <paramref name="by"/> names who killed it in <see cref="ExitReason"/>. False when it does not run.
    /// </summary>
    public bool Kill(string? by = null, bool withChildren = true)
    {
        lock (_gate)
        {
            if (_process is not { HasExited: false } process)
            {
                return false;
            }

            _killedBy = by;
            process.Kill(withChildren);
            return true;
        }
    }

    /// <summary>SIGKILL with its children (see <see cref="Kill"/>), and waits until it has exited.</summary>
    public async Task KillAsync()
    {
        Kill();
        await _life;
    }

    /// <summary>SIGTERM (a graceful shutdown), then SIGKILL if it is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        DotnetProcess process;
        lock (_gate)
        {
            if (!IsAlive || _process is not { HasExited: false } running)
            {
                return;
            }

            _exitExpected = true;
            process = running;
        }

        await process.StopAsync(grace);
        await _life;
    }

    /// <summary>The pids of the running children of its current process (an agent's programs).</summary>
    public IReadOnlyList<int> ChildPids() => _process?.ChildPids() ?? [];

    /// <summary>SIGKILLs it with its children if it runs, and waits until it has exited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            await process.DisposeAsync();
            await _life;
        }
    }

    private async Task WatchAsync(DotnetProcess process)
    {
        var code = await process.Exited;
        bool unexpected;
        lock (_gate)
        {
            if (!ReferenceEquals(process, _process))
            {
                return;
            }

            ExitReason = code > 128 && code < 160
                ? $"killed by {SignalName(code - 128)}{(_killedBy is null ? "" : $" from {_killedBy}")}"
                : $"exited with code {code.ToString(CultureInfo.InvariantCulture)}";
            unexpected = !_exitExpected;
            SetState(unexpected ? MemberState.Exited : MemberState.Stopped);
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
