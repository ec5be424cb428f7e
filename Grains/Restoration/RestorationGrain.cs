using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Security;
using OrleansCms.Storage;
using OrleansCms.Telemetry;

namespace OrleansCms.Restoration;

/// <summary>
/// Restores a set of programs exactly once. Each round claims the programs not yet claimed, places the claimed
/// ones that have no target (a migration places first and claims once it has a target), sends the restore
/// commands and records what came back; every decision is persisted before it is acted on, so a new activation
/// (after its silo died) resumes where this one stopped.
/// Why nothing runs twice: a copy is restored only under its checkpoint grain's claim (one holder, for good);
/// a restore command id is sent to one target only and agents answer a repeated id with the same program; a
/// command is sent elsewhere only when its target refused it or failed without having registered it.
/// The decisions are <see cref="RestorationPlan"/>'s; this grain makes the calls, persists and keeps the rounds going.
/// </summary>
public sealed class RestorationGrain(
    [PersistentState("restoration", CmsStorageOptions.GrainStorageName)] IPersistentState<RestorationState> state,
    IOptions<RestorationOptions> options,
    PlacementPolicy placement,
    Seals seals,
    TimeProvider clock,
    DeepCopier<RestorationState> copier,
    CmsMetrics metrics,
    ILogger<RestorationGrain> logger) : Grain, IRestorationGrain, IRemindable
{
    private const string ResumeReminder = "resume";

    private readonly RestorationOptions _options = options.Value;
    private readonly AgentAnswerWait _agentAnswer = new(clock, options.Value.AlivePollInterval);
    private readonly Dictionary<string, CheckpointManifest> _manifests = [];
    private IGrainTimer? _rounds;
    private RestorationState _persisted = null!;
    private bool _reminderRegistered;

    private RestorationState State => state.State;

    private RestorationRequest Request => State.Request!;

    private string Id => this.GetPrimaryKeyString();

    // Made anew for each use: a failed write replaces the state object.
    private RestorationPlan Plan => new(State, Id, clock);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted = copier.Copy(State);
        if (State.Request is not null && State.FinishedAt is null)
        {
            ScheduleRounds();
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(RestorationRequest request)
    {
        RestorationPlan.Validate(request);
        if (Plan.Begin(request))
        {
            await WriteAsync();
            logger.RestorationStarted(Id, request.Kind, request.SourceMac, request.Programs.Count, request.Reason);
        }

        // A repeated start (the caller did not get the first answer) makes sure the rounds run in this activation:
        // the first start may have failed after its write, e.g. registering the reminder while a silo died.
        if (State.FinishedAt is null)
        {
            ScheduleRounds();
            await EnsureReminderAsync();
        }

        Publish();
    }

    public Task<RestorationView?> GetAsync() => Task.FromResult(State.Request is null ? null : Plan.View(RuntimeIdentity));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation already resumed the rounds; a finished restoration only needs its reminder gone.
        if (State.FinishedAt is not null && await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>The one-minute reminder resumes the rounds after this activation is gone; the rounds retry registering it.</summary>
    private async Task EnsureReminderAsync()
    {
        if (_reminderRegistered)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }
        catch (Exception e)
        {
            logger.ReminderNotRegistered(e, Id);
        }
    }

    private void ScheduleRounds() =>
        _rounds ??= this.RegisterGrainTimer(RunRoundAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.RetryInterval,
            KeepAlive = true,
        });

    private async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (State.FinishedAt is not null)
        {
            return;
        }

        await EnsureReminderAsync();
        await ClaimAsync();
        await PlaceAsync();
        await ClaimAsync(); // a migration claims only once it has a target
        if (Plan.MayStartCopies())
        {
            await SendAsync();
        }

        await StopMigratedSourcesAsync();
        if (Plan.Finish())
        {
            await WriteAsync();
            _rounds?.Dispose();
            _rounds = null;
            logger.RestorationFinished(Id, (State.FinishedAt!.Value - State.StartedAt).TotalMilliseconds, Plan.Summary());
            await ReceiveReminder(ResumeReminder, default);
        }

        Publish();
    }

    /// <summary>Claims every program due for its claim (<see cref="RestorationPlan.ToClaim"/>) and picks the version to restore from.</summary>
    private async Task ClaimAsync()
    {
        var toClaim = Plan.ToClaim();
        if (toClaim.Count == 0)
        {
            return;
        }

        // All at once: each claim is a state write of its own program's grain. The grain's turns still run one at
        // a time, so the updates below never interleave within one item.
        await Task.WhenAll(toClaim.Select(ClaimOneAsync));
        await WriteAsync();
    }

    private async Task ClaimOneAsync(int index)
    {
        var key = Plan.SourceKey(index);
        var grain = GrainFactory.GetGrain<ICheckpointGrain>(key.ToString());
        if (Request.Kind == RestorationKind.Migration && !await PrepareMigrationAsync(index, grain))
        {
            return;
        }

        if (Request.Kind == RestorationKind.Failure)
        {
            // An upload from the dead agent would hold the grain (and this claim) until its pull timed out.
            await grain.AbandonUploadAsync($"ECU {Request.SourceMac} was declared failed ({Id})");
        }

        var claim = await grain.ClaimAsync(Id);
        if (!claim.Granted)
        {
            Plan.ClaimRefused(index, claim.Holder);
            return;
        }

        foreach (var manifest in claim.Versions)
        {
            _manifests[$"{key}@{manifest.Version}"] = manifest;
        }

        if (!Plan.ChooseVersion(index, claim.Versions))
        {
            logger.NothingToRestore(Id, key.ToString());
        }
    }

    /// <summary>A migration first has the source take a fresh checkpoint, and goes on only with a checkpoint to move.</summary>
    private async Task<bool> PrepareMigrationAsync(int index, ICheckpointGrain grain)
    {
        var agent = await GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac).GetAgentAsync();
        try
        {
            var version = agent is null
                ? throw new InvalidOperationException("the source agent is not attached")
                : await _agentAnswer.AnsweredAsync(Request.SourceMac, agent.CheckpointNowAsync(Request.Programs[index].ProgramId), _options.FreshCheckpointTimeout, StatusOf(Request.SourceMac));
            Plan.Note(index, $"fresh checkpoint v{version} acknowledged");
        }
        catch (Exception e)
        {
            Plan.Note(index, $"no fresh checkpoint ({e.Message}); using the newest stored one");
        }

        return Plan.KeepMigrating(index, (await grain.GetVersionsAsync()).Count > 0);
    }

    /// <summary>Chooses a target for every claimed program that has none, and persists the choice before sending.</summary>
    private async Task PlaceAsync()
    {
        var toPlace = Plan.ToPlace();
        if (toPlace.Count == 0)
        {
            return;
        }

        var candidates = await CandidatesAsync();
        var checkpointBytes = new Dictionary<int, long>();
        foreach (var index in toPlace)
        {
            // A migration places before it claims: until then its size is that of the source's newest version.
            checkpointBytes[index] = State.Items[index].ReadFrom is null
                ? (await GrainFactory.GetGrain<ICheckpointGrain>(Plan.SourceKey(index).ToString()).GetVersionsAsync()).FirstOrDefault()?.TotalSize ?? 0
                : (await ManifestAsync(State.Items[index]))?.TotalSize ?? 0;
        }

        foreach (var (programId, reason) in Plan.Place(placement, checkpointBytes, candidates))
        {
            logger.ProgramPending(Id, programId, reason);
        }

        await WriteAsync();
    }

    /// <summary>Sends every assigned restore command (all at once) and records the answers.</summary>
    private async Task SendAsync()
    {
        var assigned = Plan.ToSend();
        if (assigned.Count == 0)
        {
            return;
        }

        var answers = await Task.WhenAll(assigned.Select(async index => (Index: index, Answer: await SendOneAsync(index))));
        var retire = new List<(int ProgramId, string Successor)>();
        foreach (var (index, answer) in answers)
        {
            var item = State.Items[index];
            if (answer is RestoreAnswer.Started started)
            {
                var elapsed = clock.GetUtcNow() - State.StartedAt;
                logger.ProgramRestored(Id, item.ProgramId, item.Name, started.Result.Mac, started.Result.ProgramId, item.Version ?? 0, elapsed.TotalMilliseconds);
                metrics.ProgramRestored(Request.Kind, elapsed);
                ForgetStandby(index, started.Result.Mac);
            }
            else if (answer is RestoreAnswer.Corrupt corrupt)
            {
                logger.CorruptCheckpoint(Id, item.ReadFrom ?? "", item.Version ?? 0, corrupt.Message);
            }

            if (Plan.Record(index, answer) is { } successor)
            {
                retire.Add((item.ProgramId, successor));
            }

            if (answer is RestoreAnswer.Corrupt)
            {
                var claim = await GrainFactory.GetGrain<ICheckpointGrain>(Plan.SourceKey(index).ToString()).ClaimAsync(Id);
                if (!Plan.ChooseOlderVersion(index, claim.Versions))
                {
                    logger.NothingToRestore(Id, Plan.SourceKey(index).ToString());
                }
            }
        }

        await WriteAsync();
        foreach (var (programId, successor) in retire)
        {
            await RetireSourceAsync(programId, successor);
        }
    }

    private async Task<RestoreAnswer> SendOneAsync(int index)
    {
        var item = State.Items[index];
        var ecu = GrainFactory.GetGrain<IEcuGrain>(item.TargetMac!);
        if (await ecu.GetAgentAsync() is not { } agent)
        {
            return await NoAnswerAsync(ecu, item, "its agent is not attached");
        }

        if ((item.Version == RestorationPlan.FreshVersion ? Plan.FreshManifest(index) : await ManifestAsync(item)) is not { } manifest)
        {
            return new RestoreAnswer.Corrupt($"version {item.Version} is no longer retained");
        }

        try
        {
            var command = Plan.Command(index, manifest);
            if (!command.Fresh)
            {
                // The target's agent reads the checkpoint of another ECU: only this version, only that agent.
                command = command with { Grant = await seals.GrantAsync(item.TargetMac!, command.Source, manifest.Version) };
            }

            return new RestoreAnswer.Started(await _agentAnswer.AnsweredAsync(item.TargetMac!, agent.RestoreAsync(command), _options.RestoreTimeout, StatusOf(item.TargetMac!)));
        }
        catch (RestoreRefusedException e) when (e.Refusal == RestoreRefusal.CorruptCheckpoint)
        {
            return new RestoreAnswer.Corrupt(e.Message);
        }
        catch (RestoreRefusedException e) when (e.Refusal == RestoreRefusal.Stale)
        {
            return new RestoreAnswer.Superseded(e.Message);
        }
        catch (RestoreRefusedException e)
        {
            return RestoreAnswer.AfterRefusal(e.Message, await ecu.FindByCommandAsync(item.CommandId!));
        }
        catch (Exception e)
        {
            return await NoAnswerAsync(ecu, item, e.Message);
        }
    }

    /// <summary>
    /// A program restored elsewhere than on its warm standby: that ECU may forget the standby (best effort; the target
    /// forgets its own when it restores).
    /// </summary>
    private void ForgetStandby(int index, string restoredOn)
    {
        if (Request.Programs[index].StandbyMac is { } standby && !string.Equals(standby, restoredOn, StringComparison.OrdinalIgnoreCase))
        {
            var source = Plan.SourceKey(index);
            GrainFactory.GetGrain<IEcuGrain>(standby).GetAgentAsync()
                .ContinueWith(t => t.Result?.DropStandbyAsync(source) ?? Task.CompletedTask, TaskScheduler.Default).Unwrap().Ignore();
        }
    }

    /// <summary>The target did not answer: asks whether it lives and, once it does not, whether the command registered a copy.</summary>
    private static async Task<RestoreAnswer> NoAnswerAsync(IEcuGrain ecu, RestorationItem item, string why)
    {
        var status = (await ecu.GetAsync()).Status;
        var registered = status == EcuStatus.Alive ? null : await ecu.FindByCommandAsync(item.CommandId!);
        return RestoreAnswer.AfterNoAnswer(item.TargetMac!, status, why, registered);
    }

    /// <summary>
    /// Stops the source copy of every migrated program the plan says is due. A source that is no longer alive has
    /// nothing left to stop: its agent stops every old program when it comes back fenced.
    /// </summary>
    private async Task StopMigratedSourcesAsync()
    {
        var toStop = Plan.ToStopSource();
        if (toStop.Count == 0)
        {
            return;
        }

        var source = GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac);
        foreach (var index in toStop)
        {
            var successor = Plan.Successor(index);
            try
            {
                if (await source.GetAgentAsync() is { } agent)
                {
                    await _agentAnswer.AnsweredAsync(Request.SourceMac, agent.StopProgramAsync(Plan.StopCommand(index)), _options.RestoreTimeout, StatusOf(Request.SourceMac));
                    Plan.SourceStopped(index, "source copy stopped");
                }
                else if ((await source.GetAsync()).Status != EcuStatus.Alive)
                {
                    Plan.SourceStopped(index, "source ECU is gone; nothing to stop");
                }
                else
                {
                    continue; // alive, but its agent is reattaching: the next round asks again
                }
            }
            catch (EcuNotAliveException e)
            {
                Plan.SourceStopped(index, $"source ECU is gone ({e.Message}); nothing to stop");
            }
            catch (StaleCommandException e)
            {
                // A newer command owns the program on the source ECU: this stop is not this restoration's to make.
                Plan.SourceStopped(index, $"stop refused as stale ({e.Message}); nothing to stop");
                continue;
            }
            catch (Exception e)
            {
                Plan.Note(index, $"stopping the source copy failed ({e.Message}); retrying");
                continue;
            }

            await RetireSourceAsync(State.Items[index].ProgramId, successor.ToString());
        }

        await WriteAsync();
    }

    private async Task RetireSourceAsync(int programId, string successor)
    {
        try
        {
            await GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac).EndProgramAsync(programId, ProgramEntryStatus.Retired, Plan.RetireReason, successor);
        }
        catch (Exception e)
        {
            // Only the catalogue's display depends on it: the claim already keeps the old copy from coming back.
            logger.RetireFailed(e, Id, programId);
        }
    }

    private async Task<IReadOnlyList<PlacementCandidate>> CandidatesAsync()
    {
        var macs = await GrainFactory.GetGrain<IFleetGrain>(0).ListAsync();
        var views = await Task.WhenAll(macs.Select(mac => GrainFactory.GetGrain<IEcuGrain>(mac).GetAsync()));
        return FleetCandidates.From(views, clock.GetUtcNow() - _options.CpuLoadAveraging);
    }

    private async Task<CheckpointManifest?> ManifestAsync(RestorationItem item)
    {
        var cacheKey = $"{item.ReadFrom}@{item.Version}";
        if (!_manifests.TryGetValue(cacheKey, out var manifest))
        {
            var versions = await GrainFactory.GetGrain<ICheckpointGrain>(item.ReadFrom!).GetVersionsAsync();
            manifest = versions.FirstOrDefault(v => v.Version == item.Version);
            if (manifest is not null)
            {
                _manifests[cacheKey] = manifest;
            }
        }

        return manifest;
    }

    /// <summary>Asks an ECU's status, for waits on its agent that end once it is not alive (see <see cref="AgentAnswerWait"/>).</summary>
    private Func<Task<EcuStatus>> StatusOf(string mac) => async () => (await GrainFactory.GetGrain<IEcuGrain>(mac).GetAsync()).Status;

    /// <summary>Persists the state; a failed write puts back the last stored state (see <see cref="StateWrites"/>).</summary>
    private async Task WriteAsync() => _persisted = await state.WriteOrRevertAsync(_persisted, copier, onConflict: () =>
    {
        _rounds?.Dispose();
        _rounds = null;
        DeactivateOnIdle();
    });

    private void Publish() => GrainFactory.GetGrain<IRestorationLogGrain>(0).RecordAsync(Plan.View(RuntimeIdentity)).Ignore();
}
