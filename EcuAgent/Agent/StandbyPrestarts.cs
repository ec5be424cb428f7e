using Microsoft.Extensions.Logging;
using OrleansCms.Checkpoints;
using OrleansCms.Programs;

namespace OrleansCms.Agent;

/// <summary>
/// A process started ahead for each program this ECU keeps a warm standby of (at most <paramref name="limit"/>), waiting
/// for its first message: a restore of that program then sends it the state instead of starting a process. A
/// pre-started process has no state and has been told nothing, so it is no copy of the program (a program does nothing
/// before START or RESTORE, docs/program-protocol.md). Thread-safe.
/// </summary>
internal sealed class StandbyPrestarts(int limit, ProgramProtocolOptions protocol, ILogger logger) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _spawning = new(1, 1); // one start-up at a time: they are CPU-heavy and never urgent
    private readonly Dictionary<CheckpointKey, Waiting> _waiting = [];
    private bool _disposed;

    /// <summary>Starts a process for <paramref name="source"/>'s program unless one waits already or the limit is reached.</summary>
    public void Ensure(CheckpointKey source, ProgramInfo program)
    {
        lock (_lock)
        {
            if (_disposed || limit == 0 || (_waiting.TryGetValue(source, out var waiting) && SameCommand(waiting.Command, program.Command)))
            {
                return;
            }

            if (waiting is not null)
            {
                _waiting.Remove(source);
                DisposeLater(waiting);
            }

            if (_waiting.Count < limit)
            {
                _waiting[source] = new Waiting(program.Command, Task.Run(() => SpawnAsync(program)));
            }
        }
    }

    /// <summary>The process waiting for <paramref name="source"/>'s program, if one was started for the same command and still lives.</summary>
    public async Task<ProgramProcess?> TakeAsync(CheckpointKey source, ProgramInfo program)
    {
        Waiting? waiting;
        lock (_lock)
        {
            if (!_waiting.Remove(source, out waiting))
            {
                return null;
            }
        }

        var process = await waiting.Process;
        if (process is null || !SameCommand(waiting.Command, program.Command) || process.Exited.IsCompleted)
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }

            return null;
        }

        return process;
    }

    /// <summary>Ends the process waiting for <paramref name="source"/>'s program, if any.</summary>
    public void Drop(CheckpointKey source)
    {
        lock (_lock)
        {
            if (_waiting.Remove(source, out var waiting))
            {
                DisposeLater(waiting);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Waiting> all;
        lock (_lock)
        {
            _disposed = true;
            all = [.. _waiting.Values];
            _waiting.Clear();
        }

        foreach (var waiting in all)
        {
            if (await waiting.Process is { } process)
            {
                await process.DisposeAsync();
            }
        }

        _spawning.Dispose();
    }

    private async Task<ProgramProcess?> SpawnAsync(ProgramInfo program)
    {
        await _spawning.WaitAsync();
        try
        {
            var process = await ProgramProcess.SpawnAsync(ProgramLaunches.Resolve(program.Command), protocol, logger);
            await process.WaitUntilIdleAsync();
            return process;
        }
        catch (Exception e)
        {
            // The restore starts a process of its own then, and reports its failure if that fails too.
            logger.PrestartFailed(program.Name, e.Message);
            return null;
        }
        finally
        {
            _spawning.Release();
        }
    }

    private static void DisposeLater(Waiting waiting) => _ = waiting.Process.ContinueWith(
        t => t.Result?.DisposeAsync().AsTask() ?? Task.CompletedTask, TaskScheduler.Default).Unwrap();

    private static bool SameCommand(IReadOnlyList<string>? a, IReadOnlyList<string>? b) => (a ?? []).SequenceEqual(b ?? []);

    private sealed record Waiting(IReadOnlyList<string>? Command, Task<ProgramProcess?> Process);
}
