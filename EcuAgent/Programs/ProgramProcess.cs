using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OrleansCms.Programs;

/// <summary>
/// One running program, spoken to over docs/program-protocol.md: started fresh or from a state, checkpointed
/// one request at a time, stopped or killed. Any protocol violation kills the program's process tree and
/// throws a <see cref="ProgramProtocolException"/>; nothing a program sends can harm the agent.
/// </summary>
public sealed class ProgramProcess : IAsyncDisposable
{
    private static readonly byte[] StartMessage = "START\n"u8.ToArray();
    private static readonly byte[] StopMessage = "STOP\n"u8.ToArray();

    /// <summary>Longest stderr line logged; the rest of a longer line is counted, not kept.</summary>
    private const int MaxStderrLineChars = 4096;

    private readonly Process _process;
    private readonly Stream _input;
    private readonly ProgramOutputReader _output;
    private readonly ProgramProtocolOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _freezeLock = new();
    private readonly HashSet<FreezableTimeout> _timeouts = [];
    private bool _frozen;
    private readonly Task<ProgramExit> _exited;
    private ulong _lastCheckpointId;
    private volatile bool _endRequested; // STOP sent or kill issued: the exit is the agent's doing
    private volatile ProgramProtocolException? _failure;
    private int _disposed;

    private ProgramProcess(Process process, ProgramProtocolOptions options, ILogger logger)
    {
        _process = process;
        _input = process.StandardInput.BaseStream;
        _output = new ProgramOutputReader(process.StandardOutput.BaseStream);
        _options = options;
        _logger = logger;
        ProcessId = process.Id;
        _exited = WatchExitAsync();
        _ = PumpStderrAsync(process.StandardError);
    }

    public int ProcessId { get; }

    /// <summary>Whether the process tree is stopped (SIGSTOP) by <see cref="Freeze"/>.</summary>
    public bool IsFrozen
    {
        get
        {
            lock (_freezeLock)
            {
                return _frozen;
            }
        }
    }

    /// <summary>Completes when the process has exited; never faults.</summary>
    public Task<ProgramExit> Exited => _exited;

    /// <summary>
    /// Starts the program, sends START (or RESTORE with <paramref name="restoreState"/>) and waits for READY.
    /// Throws <see cref="ProgramProtocolException"/> when the program misbehaves, and an
    /// <see cref="InvalidOperationException"/> when it cannot be started at all; the process is gone then.
    /// <paramref name="launched"/> sees the process as soon as it exists, before the handshake (to freeze it
    /// with the others if need be).
    /// </summary>
    public static async Task<ProgramProcess> StartAsync(
        ProgramLaunch launch,
        byte[]? restoreState,
        ProgramProtocolOptions options,
        ILogger logger,
        CancellationToken cancellationToken = default,
        Action<ProgramProcess>? launched = null)
    {
        CheckStateSize(restoreState, options);
        var program = await SpawnAsync(launch, options, logger, restoreState is { } state ? $"restoring {state.Length} bytes" : "fresh");
        launched?.Invoke(program);
        await program.BeginAsync(restoreState, cancellationToken);
        return program;
    }

    /// <summary>
    /// Starts the program's process but sends it nothing: it waits for its first message (a warm standby's
    /// pre-started process, which costs a restore no process start-up). <see cref="BeginAsync"/> sends it.
    /// </summary>
    public static async Task<ProgramProcess> SpawnAsync(ProgramLaunch launch, ProgramProtocolOptions options, ILogger logger, string purpose = "pre-started, waiting for its state")
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        var process = await ProgramSpawner.StartAsync(launch);
        var program = new ProgramProcess(process, options, logger);
        logger.ProgramStarted(program.ProcessId, launch, purpose);
        return program;
    }

    /// <summary>
    /// Sends the first message of a process from <see cref="SpawnAsync"/> (START, or RESTORE with
    /// <paramref name="restoreState"/>) and waits for READY; on any failure the process is gone and the error thrown.
    /// </summary>
    public async Task BeginAsync(byte[]? restoreState, CancellationToken cancellationToken = default)
    {
        try
        {
            CheckStateSize(restoreState, _options);
            await HandshakeAsync(restoreState, cancellationToken);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the process uses no CPU over a tenth of a second (its runtime's start-up is over), or exited, or
    /// <paramref name="maxWait"/> (default 5 s) passed: so that pre-starts, done one after another, do not pile up.
    /// </summary>
    public async Task WaitUntilIdleAsync(TimeSpan? maxWait = null)
    {
        var started = Stopwatch.GetTimestamp();
        var last = TimeSpan.MinValue;
        while (!_exited.IsCompleted && Stopwatch.GetElapsedTime(started) < (maxWait ?? TimeSpan.FromSeconds(5)))
        {
            TimeSpan used;
            try
            {
                _process.Refresh();
                used = _process.TotalProcessorTime;
            }
            catch (InvalidOperationException)
            {
                return; // exited meanwhile
            }

            if (used == last)
            {
                return;
            }

            last = used;
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static void CheckStateSize(byte[]? restoreState, ProgramProtocolOptions options)
    {
        if (restoreState?.Length > options.MaxStateBytes)
        {
            throw new ArgumentException($"The restore state of {restoreState.Length} bytes exceeds MaxStateBytes = {options.MaxStateBytes}.", nameof(restoreState));
        }
    }

    /// <summary>
    /// Asks for the program's complete state. Concurrent calls are served one after another. Cancelling only
    /// stops the wait: the request, once sent, still runs to its answer (bounded by CheckpointTimeout), so
    /// a later request never reads a stale reply.
    /// </summary>
    public async Task<byte[]> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _checkpointGate.WaitAsync(cancellationToken);
        Task<byte[]> exchange;
        try
        {
            ThrowIfEnded();
            exchange = ExchangeAsync(++_lastCheckpointId);
        }
        catch
        {
            _checkpointGate.Release();
            throw;
        }

        _ = exchange.ContinueWith(
            t =>
            {
                _ = t.Exception; // observed here when the caller stopped waiting
                _checkpointGate.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return await exchange.WaitAsync(cancellationToken);
    }

    /// <summary>Sends STOP and closes stdin; kills the process tree when it has not exited within StopTimeout.</summary>
    public async Task StopAsync()
    {
        if (Volatile.Read(ref _disposed) != 0 || _process.HasExited)
        {
            return;
        }

        if (IsFrozen)
        {
            // Asking would thaw it: a frozen copy is ended where it stands.
            _logger.KilledFrozen(ProcessId);
            Kill();
            await _exited;
            return;
        }

        _endRequested = true;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = new CancellationTokenSource(_options.StopTimeout);
            await SendStopAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // stdin is closed already, or the program does not read it: the wait below decides.
        }

        var remaining = _options.StopTimeout - Stopwatch.GetElapsedTime(started);
        if (await WaitForExitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero) is null)
        {
            _logger.StopTimedOut(ProcessId, _options.StopTimeout);
            Kill();
            await _exited;
        }
    }

    /// <summary>
    /// Stops the process and everything it started (SIGSTOP): it keeps its memory and does nothing until
    /// <see cref="Thaw"/>. Protocol timeouts stand still meanwhile.
    /// </summary>
    public void Freeze()
    {
        lock (_freezeLock)
        {
            if (_frozen || Volatile.Read(ref _disposed) != 0 || _process.HasExited)
            {
                return;
            }

            _frozen = true;
            ProcessTree.Freeze(ProcessId);
            foreach (var timeout in _timeouts)
            {
                timeout.Pause();
            }
        }
    }

    /// <summary>Lets a frozen process tree run on (SIGCONT).</summary>
    public void Thaw()
    {
        lock (_freezeLock)
        {
            if (!_frozen)
            {
                return;
            }

            _frozen = false;
            ProcessTree.Thaw(ProcessId);
            foreach (var timeout in _timeouts)
            {
                timeout.Resume();
            }
        }
    }

    /// <summary>Kills the process and everything it started (SIGKILL); returns at once, see <see cref="Exited"/>.</summary>
    public void Kill()
    {
        if (Volatile.Read(ref _disposed) != 0 || _process.HasExited)
        {
            return;
        }

        _endRequested = true;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or AggregateException)
        {
            _logger.KillFailed(e, ProcessId); // it exited meanwhile, or a child could not be killed
        }
    }

    /// <summary>Resident memory and CPU time of the program's own process (not its children).</summary>
    /// <exception cref="InvalidOperationException">The process has exited.</exception>
    public ProcessUsage SampleUsage()
    {
        try
        {
            var cpu = _process.TotalProcessorTime; // on Linux one fresh read of /proc/<pid>/stat
            if (!OperatingSystem.IsLinux())
            {
                _process.Refresh();
                return new ProcessUsage(_process.WorkingSet64, cpu);
            }

            // statm: size resident shared text lib data dt, in pages.
            var statm = File.ReadAllText($"/proc/{ProcessId}/statm").Split(' ');
            return new ProcessUsage(long.Parse(statm[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize, cpu);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Program {ProcessId} has exited.", e);
        }
    }

    /// <summary>Kills the program if it still runs and waits (up to StopTimeout) for it to be gone.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // A process stuck in the kernel may outlive SIGKILL for a while: then keep the Process for Exited.
        if (await WaitForExitAsync(_options.StopTimeout) is not null)
        {
            _process.Dispose();
        }
    }

    private async Task HandshakeAsync(byte[]? restoreState, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await RunAsync(nameof(ProgramProtocolOptions.StartTimeout), _options.StartTimeout, "READY", async token =>
        {
            if (restoreState is { } state)
            {
                await WriteAsync(Ascii($"RESTORE {state.Length}\n"), state, token);
            }
            else
            {
                await WriteAsync(StartMessage, ReadOnlyMemory<byte>.Empty, token);
            }

            var line = await _output.ReadHeaderAsync("READY", token);
            return line == "READY"
                ? true
                : throw new ProgramOutputException(ProtocolViolation.UnexpectedMessage, $"expected READY, received {PrintableLine(line)}");
        }, cancellationToken);
        _logger.ProgramReady(ProcessId, Stopwatch.GetElapsedTime(started));
    }

    private async Task<byte[]> ExchangeAsync(ulong id)
    {
        var started = Stopwatch.GetTimestamp();
        var expected = $"STATE {id} <n>";
        var state = await RunAsync(nameof(ProgramProtocolOptions.CheckpointTimeout), _options.CheckpointTimeout, expected, async token =>
        {
            await WriteAsync(Ascii($"CHECKPOINT {id}\n"), ReadOnlyMemory<byte>.Empty, token);
            var length = ParseStateHeader(await _output.ReadHeaderAsync(expected, token), id, expected);
            return await _output.ReadPayloadAsync(length, $"STATE {id}", token);
        }, CancellationToken.None);
        _logger.CheckpointTaken(ProcessId, id, state.Length, Stopwatch.GetElapsedTime(started));
        return state;
    }

    private int ParseStateHeader(string line, ulong id, string expected)
    {
        var parts = line.Split(' ');
        if (parts is not ["STATE", var idText, var lengthText] || !TryParseDecimal(idText, out var replyId) || !TryParseDecimal(lengthText, out var length))
        {
            throw new ProgramOutputException(ProtocolViolation.UnexpectedMessage, $"expected {expected}, received {PrintableLine(line)}");
        }

        if (replyId != id)
        {
            throw new ProgramOutputException(ProtocolViolation.IdMismatch, $"CHECKPOINT {id} was answered with {PrintableLine(line)}");
        }

        if (length > (ulong)_options.MaxStateBytes)
        {
            throw new ProgramOutputException(ProtocolViolation.StateTooLarge,
                $"{PrintableLine(line)} announces {length} bytes, more than MaxStateBytes = {_options.MaxStateBytes}");
        }

        return (int)length;
    }

    /// <summary>Runs one protocol step under its timeout; turns every way it can go wrong into a killed program.</summary>
    private async Task<T> RunAsync<T>(string timeoutName, TimeSpan timeout, string expected, Func<CancellationToken, Task<T>> step, CancellationToken cancellationToken)
    {
        using var timeoutSource = StartTimeout(timeout, cancellationToken);
        try
        {
            return await step(timeoutSource.Token);
        }
        catch (ProgramOutputException e)
        {
            throw await FailAsync(e.Violation, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw await FailAsync(ProtocolViolation.Timeout,
                $"no {expected} within {timeoutName} = {timeout}; received {ProgramOutputReader.Printable(_output.Pending)}");
        }
        catch (IOException e)
        {
            throw await FailAsync(ProtocolViolation.OutputClosed, $"its stdin closed while the agent wrote to it ({e.Message})");
        }
        finally
        {
            lock (_freezeLock)
            {
                _timeouts.Remove(timeoutSource);
            }
        }
    }

    private FreezableTimeout StartTimeout(TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_freezeLock)
        {
            var started = new FreezableTimeout(timeout, _frozen, TimeProvider.System, cancellationToken);
            _timeouts.Add(started);
            return started;
        }
    }

    private async Task<ProgramProtocolException> FailAsync(ProtocolViolation violation, string detail)
    {
        // When output just ended the program is probably exiting by itself: let it, so its own exit is reported.
        if (violation is ProtocolViolation.OutputClosed or ProtocolViolation.Truncated)
        {
            await WaitForExitAsync(_options.StopTimeout);
        }

        Kill();
        var exit = await WaitForExitAsync(_options.StopTimeout);
        var outcome = exit is null ? "it was sent SIGKILL" : $"it {exit}";
        var failure = new ProgramProtocolException(violation, ProcessId, $"Program {ProcessId} broke the checkpoint protocol ({violation}): {detail}; {outcome}.", exit);
        _failure ??= failure;
        _logger.ProtocolViolated(ProcessId, failure.Message);
        return failure;
    }

    private void ThrowIfEnded()
    {
        if (_failure is { } failure)
        {
            throw new InvalidOperationException($"Program {ProcessId} was killed after a protocol error.", failure);
        }

        if (_endRequested)
        {
            throw new InvalidOperationException($"Program {ProcessId} was stopped or killed by the agent.");
        }
    }

    private async Task SendStopAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _input.WriteAsync(StopMessage, cancellationToken);
            await _input.FlushAsync(cancellationToken);
        }
        finally
        {
            _process.StandardInput.Dispose(); // EOF: the same as STOP for a program that missed the message
            _writeGate.Release();
        }
    }

    private async Task WriteAsync(byte[] header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _input.WriteAsync(header, cancellationToken);
            await _input.WriteAsync(payload, cancellationToken);
            await _input.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<ProgramExit?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            return await _exited.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async Task<ProgramExit> WatchExitAsync()
    {
        await _process.WaitForExitAsync();
        var exit = ProgramExit.FromExitCode(_process.ExitCode, _endRequested);
        _logger.ProgramExited(ProcessId, exit);
        return exit;
    }

    /// <summary>Logs each stderr line, cut at <see cref="MaxStderrLineChars"/>: a program must not make the agent buffer without bound.</summary>
    private async Task PumpStderrAsync(StreamReader stderr)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        var dropped = 0L;
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(buffer)) > 0)
            {
                foreach (var c in buffer.AsSpan(0, read))
                {
                    if (c == '\n')
                    {
                        LogStderrLine(line, ref dropped);
                    }
                    else if (line.Length < MaxStderrLineChars)
                    {
                        line.Append(c);
                    }
                    else
                    {
                        dropped++;
                    }
                }
            }

            if (line.Length > 0 || dropped > 0)
            {
                LogStderrLine(line, ref dropped);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process and its pipes are gone.
        }
    }

    private void LogStderrLine(StringBuilder line, ref long dropped)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line.Length--;
        }

        _logger.ProgramStderr(ProcessId, dropped == 0 ? line.ToString() : $"{line}… ({dropped} more characters)");
        line.Clear();
        dropped = 0;
    }

    private static bool TryParseDecimal(string text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static string PrintableLine(string line) => ProgramOutputReader.Printable(Encoding.Latin1.GetBytes(line));

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
