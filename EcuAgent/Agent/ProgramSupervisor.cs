using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Ingest;
using OrleansCms.Programs;

namespace OrleansCms.Agent;

/// <summary>
/// The programs this agent runs: registers each in the ECU's catalogue before starting it, checkpoints it every
/// interval through the uploader, reports an unexpected exit as a crash, and stops programs on request. While
/// the agent's lease has lapsed every program of <see cref="IsolationPolicy.Freeze"/> is frozen
/// (<see cref="FreezeAll"/>), those starting meanwhile too; those of <see cref="IsolationPolicy.Continue"/> run on.
/// </summary>
internal sealed class ProgramSupervisor(
    string mac,
    IGrainFactory grains,
    CheckpointUploader uploader,
    CheckpointChunker chunker,
    ProgramProtocolOptions protocol,
    TimeProvider clock,
    ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, ManagedProgram> _programs = new();
    private readonly ConcurrentQueue<(int ProgramId, string Detail)> _crashes = new();
    private readonly ConcurrentDictionary<(CheckpointKey, long), TaskCompletionSource<long>> _ackWaiters = new();
    private readonly Lock _idLock = new();
    private readonly SemaphoreSlim _registration = new(1, 1);
    private readonly Lock _freezeLock = new();
    private readonly HashSet<ProgramProcess> _freezable = []; // the live processes to freeze, those still starting included
    private bool _frozen;
    private int _nextId;
    private int _fences;

    private IEcuAgentGrain Ecu => grains.GetGrain<IEcuAgentGrain>(mac);

    public IReadOnlyCollection<ManagedProgram> Programs => [.. _programs.Values];

    /// <summary>Whether the programs are frozen (from <see cref="FreezeAll"/> until <see cref="ThawAll"/>).</summary>
    public bool Frozen
    {
        get
        {
            lock (_freezeLock)
            {
                return _frozen;
            }
        }
    }

    /// <summary>Freezes every freezable program process, and each one started until <see cref="ThawAll"/>; returns how many.</summary>
    public int FreezeAll()
    {
        lock (_freezeLock)
        {
            _frozen = true;
            foreach (var process in _freezable)
            {
                process.Freeze();
            }

            return _freezable.Count;
        }
    }

    /// <summary>Lets every frozen program run on; returns how many were thawed (0 when none was frozen).</summary>
    public int ThawAll()
    {
        lock (_freezeLock)
        {
            if (!_frozen)
            {
                return 0;
            }

            _frozen = false;
            foreach (var process in _freezable)
            {
                process.Thaw();
            }

            return _freezable.Count;
        }
    }

    /// <summary>Raises the next program ID to at least what the CMS says this ECU has used.</summary>
    public void EnsureNextId(int next)
    {
        lock (_idLock)
        {
            _nextId = Math.Max(_nextId, next);
        }
    }

    /// <summary>Takes the next program ID of this ECU.</summary>
    public int ReserveId()
    {
        lock (_idLock)
        {
            return _nextId++;
        }
    }

    /// <summary>
    /// Registers the program with the CMS under <paramref name="reservedId"/> (or the next ID), then starts its process (with
    /// <paramref name="state"/> for a restore): the <paramref name="prestarted"/> one when given (a warm standby's), which
    /// this call then owns; a new one if there is none or it fails to take the state.
    /// </summary>
    /// <exception cref="ProgramFencedException">The ECU was fenced while the program started; it was stopped again.</exception>
    public async Task<int> StartAsync(ProgramInfo info, ProgramOrigin? origin, byte[]? state, CancellationToken cancellationToken, int? reservedId = null, ProgramProcess? prestarted = null)
    {
        try
        {
            return await StartOwnedAsync(info, origin, state, cancellationToken, reservedId, prestarted);
        }
        catch when (prestarted is not null)
        {
            await prestarted.DisposeAsync(); // a no-op when it was started (and so stopped) already
            throw;
        }
    }

    private async Task<int> StartOwnedAsync(ProgramInfo info, ProgramOrigin? origin, byte[]? state, CancellationToken cancellationToken, int? reservedId, ProgramProcess? prestarted)
    {
        var fence = Volatile.Read(ref _fences);

        // A repeated registration (restore command, or declared program under its reserved ID) gets its first ID back.
        // One registration at a time: the ECU's grain takes IDs only in increasing order, and restores run concurrently.
        int id;
        await _registration.WaitAsync(cancellationToken);
        try
        {
            id = await Ecu.AddProgramAsync(new ProgramEntry(reservedId ?? ReserveId(), info, origin, clock.GetUtcNow()));
        }
        finally
        {
            _registration.Release();
        }

        if (_programs.ContainsKey(id))
        {
            if (prestarted is not null)
            {
                await prestarted.DisposeAsync();
            }

            return id;
        }

        ProgramProcess process;
        try
        {
            process = await BeginPrestartedAsync(prestarted, info, state, cancellationToken)
                ?? await ProgramProcess.StartAsync(ProgramLaunches.Resolve(info.Command), state, protocol, logger, cancellationToken,
                    launched => Launched(launched, info.Isolation));
        }
        catch (Exception e)
        {
            await Ecu.EndProgramAsync(id, ProgramEntryStatus.Stopped, $"did not start: {e.Message}");
            throw;
        }

        var program = new ManagedProgram(new CheckpointKey(mac, id), info, process, firstVersion: 1);
        _programs[id] = program;
        if (Volatile.Read(ref _fences) != fence && _programs.TryRemove(new KeyValuePair<int, ManagedProgram>(id, program)))
        {
            // Fenced while it started, so StopAllAsync did not see it. Its catalogue entry is frozen with the failed
            // ECU, and that ECU's restoration decides where the program runs: this copy must not.
            program.StopRequested = true;
            await program.Stopping.CancelAsync();
            await process.StopAsync();
            logger.ProgramStopped(program.Key.ToString(), "the ECU was fenced while it started");
            throw new ProgramFencedException($"ECU {mac} was fenced while program {id} started; it was stopped.");
        }
        if (state is not null)
        {
            // The restored state is the new copy's first checkpoint: its chunks are already stored, so this costs
            // no transfer, and from now on the copy can be restored from its own key. Hashed off the restore's path.
            var version = program.NextVersion();
            _ = Task.Run(() => Offer(program, version, state));
        }

        _ = RunCheckpointsAsync(program);
        _ = WatchExitAsync(program);
        logger.ProgramStarted(program.Key.ToString(), info.Name, process.ProcessId, origin?.Source.ToString() ?? "fresh");
        return id;
    }

    /// <summary>Hands a pre-started process its state; null when there is none or it failed (it is gone then).</summary>
    private async Task<ProgramProcess?> BeginPrestartedAsync(ProgramProcess? prestarted, ProgramInfo info, byte[]? state, CancellationToken cancellationToken)
    {
        if (prestarted is null)
        {
            return null;
        }

        Launched(prestarted, info.Isolation);
        try
        {
            await prestarted.BeginAsync(state, cancellationToken);
            return prestarted;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.PrestartedProcessFailed(info.Name, e.Message);
            return null;
        }
    }

    /// <summary>Checkpoints the program now and waits until the CMS acknowledged that version.</summary>
    public async Task<long> CheckpointNowAsync(int programId, CancellationToken cancellationToken)
    {
        var program = _programs.GetValueOrDefault(programId)
            ?? throw new InvalidOperationException($"program {programId} does not run on {mac}.");
        var waiter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var version = await CheckpointOnceAsync(program, waiter);
        try
        {
            return await waiter.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _ackWaiters.TryRemove((program.Key, version), out _);
        }
    }

    /// <summary>Stops one program on purpose and records it in the catalogue; a program not running is fine.</summary>
    public async Task StopAsync(int programId, string reason, CheckpointKey? successor = null)
    {
        if (_programs.TryRemove(programId, out var program))
        {
            program.StopRequested = true;
            await program.Stopping.CancelAsync();
            await program.Process.StopAsync();
            logger.ProgramStopped(program.Key.ToString(), reason);
        }

        await Ecu.EndProgramAsync(programId, successor is null ? ProgramEntryStatus.Stopped : ProgramEntryStatus.Retired, reason, successor?.ToString());
    }

    /// <summary>
    /// Stops every program without telling the CMS (fencing: the CMS restores them elsewhere); with
    /// <paramref name="keepContinuing"/> those of <see cref="IsolationPolicy.Continue"/> run on (a lapsed lease that
    /// no one confirmed as a failure does not move them).
    /// </summary>
    public async Task StopAllAsync(string reason, bool keepContinuing = false)
    {
        Interlocked.Increment(ref _fences); // a start in flight stops itself (StartAsync)
        foreach (var id in _programs.Keys.ToList())
        {
            if (keepContinuing && _programs.TryGetValue(id, out var kept) && kept.Info.Isolation == IsolationPolicy.Continue)
            {
                continue;
            }

            if (_programs.TryRemove(id, out var program))
            {
                program.StopRequested = true;
                await program.Stopping.CancelAsync();
                await program.Process.StopAsync();
                uploader.Buffer.Snapshot().Where(c => c.Key == program.Key).ToList().ForEach(c => uploader.Buffer.Remove(c.Key, c.Version));
                logger.ProgramStopped(program.Key.ToString(), reason);
            }
        }
    }

    /// <summary>Stops, without telling the CMS, every program whose ID is not in <paramref name="listed"/>; returns how many.</summary>
    public async Task<int> StopUnlistedAsync(IReadOnlySet<int> listed, string reason)
    {
        var stopped = 0;
        foreach (var id in _programs.Keys.Where(id => !listed.Contains(id)).ToList())
        {
            if (_programs.TryRemove(id, out var program))
            {
                program.StopRequested = true;
                await program.Stopping.CancelAsync();
                await program.Process.StopAsync();
                logger.ProgramStopped(program.Key.ToString(), reason);
                stopped++;
            }
        }

        return stopped;
    }

    public void OnAcknowledged(CheckpointKey key, long version)
    {
        if (_programs.TryGetValue(key.ProgramId, out var program) && program.Key == key)
        {
            program.Acknowledged(version, clock.GetUtcNow());
        }

        if (_ackWaiters.TryRemove((key, version), out var waiter))
        {
            waiter.TrySetResult(version);
        }
    }

    public void OnRejected(CheckpointKey key, long version, Exception reason)
    {
        if (_ackWaiters.TryRemove((key, version), out var waiter))
        {
            waiter.TrySetException(reason);
        }
    }

    /// <summary>Sends the crash reports not yet delivered; those that fail stay queued for the next call.</summary>
    public async Task ReportCrashesAsync()
    {
        var count = _crashes.Count;
        for (var i = 0; i < count && _crashes.TryDequeue(out var crash); i++)
        {
            try
            {
                var restoration = await Ecu.ReportCrashAsync(crash.ProgramId, crash.Detail);
                logger.CrashReported(mac, crash.ProgramId, restoration);
            }
            catch (ArgumentException e)
            {
                logger.CrashReportRefused(mac, crash.ProgramId, e.Message);
            }
            catch (InvalidOperationException e)
            {
                logger.CrashReportRefused(mac, crash.ProgramId, e.Message);
            }
            catch (Exception)
            {
                _crashes.Enqueue(crash);
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var program in _programs.Values)
        {
            program.StopRequested = true;
            await program.Stopping.CancelAsync();
            await program.Process.DisposeAsync();
            logger.ProgramStopped(program.Key.ToString(), "the agent is shutting down");
        }

        _programs.Clear();
        _registration.Dispose();
    }

    private async Task RunCheckpointsAsync(ManagedProgram program)
    {
        using var timer = new PeriodicTimer(program.Info.CheckpointInterval ?? ProgramSpec.DefaultInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(program.Stopping.Token))
            {
                if (!program.Process.IsFrozen)
                {
                    await CheckpointOnceAsync(program, waiter: null);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ProgramProtocolException e)
        {
            // The process was killed for it; report it like a crash so that the CMS restores the last good state.
            Crashed(program, $"protocol error: {e.Message}");
        }
    }

    private async Task<long> CheckpointOnceAsync(ManagedProgram program, TaskCompletionSource<long>? waiter)
    {
        var state = await program.Process.CheckpointAsync(program.Stopping.Token);
        var version = program.NextVersion();
        if (waiter is not null)
        {
            _ackWaiters[(program.Key, version)] = waiter;
        }

        Offer(program, version, state);
        return version;
    }

    private void Offer(ManagedProgram program, long version, byte[] state)
    {
        if (!uploader.Add(chunker.Prepare(program.Key, version, program.Info, state, clock.GetUtcNow())))
        {
            logger.CheckpointTooLargeForBuffer(program.Key.ToString(), version, state.Length);
        }
    }

    private void Launched(ProgramProcess process, IsolationPolicy isolation)
    {
        if (isolation != IsolationPolicy.Freeze)
        {
            return;
        }

        lock (_freezeLock)
        {
            _freezable.Add(process);
            if (_frozen)
            {
                process.Freeze();
            }
        }

        process.Exited.ContinueWith(_ =>
        {
            lock (_freezeLock)
            {
                _freezable.Remove(process);
            }
        }, TaskScheduler.Default);
    }

    private async Task WatchExitAsync(ManagedProgram program)
    {
        var exit = await program.Process.Exited;
        if (!program.StopRequested)
        {
            Crashed(program, exit.ToString());
        }
    }

    /// <summary>Reports the program once (its exit and a protocol error may both get here).</summary>
    private void Crashed(ManagedProgram program, string detail)
    {
        if (!_programs.TryRemove(new KeyValuePair<int, ManagedProgram>(program.Key.ProgramId, program)))
        {
            return;
        }

        program.Stopping.Cancel();
        logger.ProgramCrashed(program.Key.ToString(), program.Info.Name, detail);
        _crashes.Enqueue((program.Key.ProgramId, detail));
    }
}
