using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Security;
using OrleansCms.Standby;
using OrleansCms.Storage;

namespace OrleansCms.Agent;

/// <summary>
/// Carries out the CMS's commands (the observer attached to this ECU's grain). A command id seen before gets
/// the first answer again: a repeated restore starts nothing new. Only a transient failure (the CMS could not be
/// reached) is forgotten, so that the CMS's retry runs it again. A new command whose fencing token is older than
/// one taken for the same logical program is refused (<see cref="CommandFence"/>). It also keeps the warm standbys the
/// CMS sends (<see cref="StandbyCache"/>): a restore reads the chunks held there locally and only the others from the CMS.
/// </summary>
internal sealed class AgentCommands(
    string mac,
    IGrainFactory grains,
    ProgramSupervisor supervisor,
    StandbyCache standbys,
    StandbyPrestarts prestarts,
    Func<bool> acceptsPrograms,
    ILogger logger) : IEcuAgent
{
    private static readonly TimeSpan CheckpointNowTimeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, Lazy<Task<RestoreResult>>> _restores = new();
    private readonly ConcurrentDictionary<string, Lazy<Task>> _stops = new();
    private readonly CommandFence _fence = new(TimeProvider.System);

    // Granted reads in flight across all restores of this agent: the restores of a failed ECU's programs run at once,
    // and their reads together would otherwise queue megabytes on the agent's one connection ahead of its heartbeats.
    private readonly SemaphoreSlim _readSlots = new(4, 4);

    public Task<RestoreResult> RestoreAsync(RestoreCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        logger.CommandReceived("restore", command.CommandId, $"{command.Source} v{command.Manifest.Version} token {command.Token}");
        if (!_restores.ContainsKey(command.CommandId) && command.Token != FencingToken.None && _fence.Admit(command.Root, command.Token, command.CommandId) is { } newest)
        {
            return Task.FromException<RestoreResult>(new RestoreRefusedException(RestoreRefusal.Stale,
                $"token {command.Token} for {command.Root} is older than {newest.Token} ({newest.CommandId}), already taken on {mac}."));
        }

        var lazy = _restores.GetOrAdd(command.CommandId, _ => new Lazy<Task<RestoreResult>>(() => RunRestoreAsync(command)));
        return ForgetTransientFailure(command.CommandId, lazy);
    }

    public Task StopProgramAsync(StopCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        logger.CommandReceived("stop", command.CommandId, $"program {command.ProgramId}: {command.Reason}");
        if (!_stops.ContainsKey(command.CommandId) && command.Root is { } root && command.Token != FencingToken.None && _fence.Admit(root, command.Token, command.CommandId) is { } newest)
        {
            return Task.FromException(new StaleCommandException(root, command.Token, newest.Token, newest.CommandId));
        }

        return _stops.GetOrAdd(command.CommandId,
            _ => new Lazy<Task>(() => supervisor.StopAsync(command.ProgramId, command.Reason, command.Successor))).Value;
    }

    public async Task<long> CheckpointNowAsync(int programId)
    {
        logger.CommandReceived("checkpoint", $"{mac}/{programId}", "fresh checkpoint for a migration");
        using var timeout = new CancellationTokenSource(CheckpointNowTimeout);
        return await supervisor.CheckpointNowAsync(programId, timeout.Token);
    }

    public Task<StandbyAnswer> KeepStandbyAsync(StandbyUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var answer = standbys.Keep(update);
        if (!answer.Kept)
        {
            prestarts.Drop(update.Source);
        }
        else if (update.Manifest is { } manifest && acceptsPrograms())
        {
            prestarts.Ensure(update.Source, manifest.Program);
        }

        return Task.FromResult(answer);
    }

    public Task DropStandbyAsync(CheckpointKey source)
    {
        standbys.Drop(source);
        prestarts.Drop(source);
        return Task.CompletedTask;
    }

    private async Task<IReadOnlyList<ChunkData>> ThrottledReadAsync(IRestoreSourceGrain grain, ReadGrant grant, int first, int count)
    {
        await _readSlots.WaitAsync();
        try
        {
            return await grain.ReadGrantedAsync(grant, first, count);
        }
        finally
        {
            _readSlots.Release();
        }
    }

    private async Task<RestoreResult> ForgetTransientFailure(string commandId, Lazy<Task<RestoreResult>> lazy)
    {
        try
        {
            return await lazy.Value;
        }
        catch (Exception e) when (e is not RestoreRefusedException)
        {
            _restores.TryRemove(new KeyValuePair<string, Lazy<Task<RestoreResult>>>(commandId, lazy));
            throw;
        }
    }

    private async Task<RestoreResult> RunRestoreAsync(RestoreCommand command)
    {
        if (!acceptsPrograms())
        {
            throw new RestoreRefusedException(RestoreRefusal.Unavailable, $"ECU {mac} is not registered or is fenced.");
        }

        var started = DateTimeOffset.UtcNow;
        byte[]? state = command.Fresh ? null : await ReadVerifiedAsync(command);
        var origin = new ProgramOrigin(command.Source, command.Manifest.Version, command.CommandId, command.Root, command.Token);
        int programId;
        try
        {
            var prestarted = command.Fresh ? null : await prestarts.TakeAsync(command.Source, command.Manifest.Program);
            programId = await supervisor.StartAsync(command.Manifest.Program, origin, state, CancellationToken.None, prestarted: prestarted);
        }
        catch (StaleCommandException e)
        {
            // The ECU's grain registered a newer command for this program (this agent restarted and forgot it).
            throw new RestoreRefusedException(RestoreRefusal.Stale, e.Message);
        }
        catch (Exception e) when (e is ProgramNotRegisteredException or InvalidOperationException)
        {
            throw new RestoreRefusedException(RestoreRefusal.Unavailable, e.Message);
        }
        catch (ProgramFencedException e)
        {
            // Not a refusal: the copy is registered with the failed ECU, whose restoration carries it on.
            throw new InvalidOperationException(e.Message);
        }
        catch (Exception e) when (e is not ArgumentException and not OrleansException and not TimeoutException and not StorageUnavailableException)
        {
            throw new RestoreRefusedException(RestoreRefusal.StartFailed, e.Message);
        }

        standbys.Drop(command.Source);
        logger.RestoreDone(command.Source.ToString(), command.Manifest.Version, mac, programId, state?.Length ?? 0, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
        return new RestoreResult(mac, programId);
    }

    private async Task<byte[]> ReadVerifiedAsync(RestoreCommand command)
    {
        var grant = command.Grant
            ?? throw new RestoreRefusedException(RestoreRefusal.Unavailable, $"the command for {command.Source} v{command.Manifest.Version} carries no read grant.");
        var grain = grains.GetGrain<IRestoreSourceGrain>(command.Source.ToString());
        using var payload = new MemoryStream(checked((int)command.Manifest.TotalSize));
        bool verified;
        try
        {
            var read = await CheckpointReader.ReadGrantedAsync((first, count) => ThrottledReadAsync(grain, grant, first, count), command.Manifest, payload, hash => standbys.Find(command.Source, hash));
            if (!read.Verified && read.LocalChunks > 0)
            {
                // A standby chunk did not match (or the payload did not): read it all from the CMS instead.
                standbys.Drop(command.Source);
                payload.SetLength(0);
                read = await CheckpointReader.ReadGrantedAsync((first, count) => ThrottledReadAsync(grain, grant, first, count), command.Manifest, payload, local: null);
            }

            verified = read.Verified;
            logger.RestoreRead(command.Source.ToString(), command.Manifest.Version, read.LocalChunks, read.RemoteChunks);
        }
        catch (CheckpointRejectedException e)
        {
            throw new RestoreRefusedException(RestoreRefusal.CorruptCheckpoint, e.Message);
        }

        return verified && payload.Length == command.Manifest.TotalSize
            ? payload.ToArray()
            : throw new RestoreRefusedException(RestoreRefusal.CorruptCheckpoint,
                $"{command.Source} v{command.Manifest.Version} does not match its SHA-256 {command.Manifest.Sha256}.");
    }
}
