using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCms.Checkpoints;
using OrleansCms.Restoration;
using OrleansCms.Storage;

namespace OrleansCms.Ecus;

/// <summary>
/// One ECU. Status changes and the program catalogue are persisted; heartbeats and metrics live in memory.
/// While the ECU is alive a timer checks its lease; a new activation (after its silo died) grants a fresh
/// lease from activation, and a registration starts one when it is answered. The catalogue part is in
/// EcuGrain.Programs.cs.
/// </summary>
/// <remarks>
/// Heartbeats are taken in turn with every other call, so while the grain waits on a slow write or call they
/// queue, and a timer tick that was due meanwhile may come first. The timer therefore does not declare the
/// ECU failed itself: it sends the verdict to the grain as a message (<see cref="IEcuLease"/>), which queues
/// behind the heartbeats that had arrived, and a heartbeat taken meanwhile cancels it.
/// </remarks>
public sealed partial class EcuGrain(
    [PersistentState("ecu", CmsStorageOptions.GrainStorageName)] IPersistentState<EcuState> state,
    IOptions<LivenessOptions> options,
    TimeProvider clock,
    ClusterFormation cluster,
    DeepCopier<EcuState> copier,
    ILogger<EcuGrain> logger) : Grain, IEcuGrain, IEcuLease, IRemindable
{
    private const string SafetyNetReminder = "lease-watch";

    private readonly LivenessOptions _liveness = options.Value;
    private readonly MetricsWindow _window = new(options.Value.MetricsWindow);
    private DateTimeOffset? _lastHeartbeat;
    private DateTimeOffset _graceUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _announcedToFleet;
    private EcuMetrics? _metrics;
    private IReadOnlyList<RunningProgram> _programs = [];
    private IGrainTimer? _leaseTimer;
    private IGrainTimer? _outboxRetry;
    private IEcuAgent? _agent;
    private EcuState _persisted = null!;

    private EcuState State => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted = copier.Copy(State);
        await DispatchOutboxAsync();
        if (State.Status == EcuStatus.Alive)
        {
            StartLease();
            _graceUntil = LeaseRules.GraceAfterActivation(State.StatusSince, cluster.FormedAt(), _liveness.RecoveryGrace);
            if (_graceUntil > clock.GetUtcNow())
            {
                logger.EcuRecoveryGrace(Mac(), _graceUntil);
            }
        }
    }

    public async Task<HeartbeatReply> RegisterAsync(EcuRegistration registration)
    {
        Validate(registration);
        if (State.Status is EcuStatus.Failed or EcuStatus.Fenced)
        {
            return await FenceAsync();
        }

        var restarted = State.Status == EcuStatus.Alive && State.Registration?.AgentInstance is { } previous
            && registration.AgentInstance is { } current && previous != current;
        State.Registration = registration;
        if (restarted)
        {
            // The previous agent process is gone and its programs with it: restore them as crashed programs.
            foreach (var entry in State.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).ToList())
            {
                MarkCrashed(entry, "its agent restarted");
            }
        }

        await BecomeAliveAsync();
        await DispatchOutboxAsync();
        StartLease();
        return Reply();
    }

    public async Task<HeartbeatReply> HeartbeatAsync(EcuHeartbeat heartbeat)
    {
        _ = Mac(); // a malformed key is refused, not answered "unknown: register first"
        Validate(heartbeat);
        switch (State.Status)
        {
            case EcuStatus.Failed or EcuStatus.Fenced:
                return await FenceAsync();
            case EcuStatus.Retired:
                return Reply();
            case EcuStatus.Alive:
                var now = clock.GetUtcNow();
                _lastHeartbeat = now;
                _graceUntil = DateTimeOffset.MinValue; // the agent is back: its lease counts again
                _metrics = heartbeat.Metrics;
                _programs = heartbeat.Programs ?? [];
                _window.Add(new MetricsSample(now, heartbeat.Metrics));
                return Reply();
            default:
                return Reply(); // Unknown: the agent registers first
        }
    }

    public async Task<int> DeclareFailedAsync(string reason)
    {
        if (State.Status != EcuStatus.Alive)
        {
            return State.Status is EcuStatus.Failed or EcuStatus.Fenced
                ? State.FailureEpoch
                : throw new InvalidOperationException($"ECU {Mac()} is {State.Status}; only a registered, alive ECU can fail.");
        }

        var now = clock.GetUtcNow();
        State.Status = EcuStatus.Failed;
        State.FailureEpoch++;
        State.FailureReason = reason;
        State.StatusSince = now;

        // The catalogue is frozen from here on (no program can be added), so this snapshot is complete.
        var active = State.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).ToList();
        var restorationId = $"failure:{Mac()}:{State.FailureEpoch}";
        State.Outbox[restorationId] = new RestorationRequest(RestorationKind.Failure, Mac(), active, reason);
        await WriteAsync();
        _leaseTimer?.Dispose();
        _leaseTimer = null;
        _agent = null;
        logger.EcuFailed(Mac(), State.FailureEpoch, reason);
        await GrainFactory.GetGrain<IFleetGrain>(0).RemoveAsync(Mac(), EcuStatus.Failed);
        await DispatchOutboxAsync();
        return State.FailureEpoch;
    }

    public async Task RetireAsync(string reason)
    {
        if (State.Status != EcuStatus.Alive)
        {
            return;
        }

        State.Status = EcuStatus.Retired;
        State.StatusSince = clock.GetUtcNow();
        State.FailureReason = reason;
        AbandonActivePrograms($"the ECU was retired: {reason}");
        await WriteAsync();
        _leaseTimer?.Dispose();
        _leaseTimer = null;
        _agent = null;
        await GrainFactory.GetGrain<IFleetGrain>(0).RemoveAsync(Mac(), EcuStatus.Retired);
        logger.EcuRetired(Mac(), reason);
    }

    public async Task<HeartbeatReply> RejoinAsync(EcuRegistration registration)
    {
        Validate(registration);
        if (State.Status == EcuStatus.Failed)
        {
            // It must first learn that it is fenced (and stop its old programs).
            return await FenceAsync();
        }

        if (State.Status == EcuStatus.Fenced)
        {
            // Its old programs were stopped; their restoration has its own snapshot of them.
            AbandonActivePrograms("the fenced ECU rejoined as a fresh ECU");
        }

        State.Registration = registration;
        await BecomeAliveAsync();
        StartLease();
        return Reply();
    }

    public Task WatchAsync() => Task.CompletedTask;

    public Task AttachAgentAsync(IEcuAgent agent)
    {
        _agent = agent ?? throw new ArgumentNullException(nameof(agent));
        return Task.CompletedTask;
    }

    public Task<IEcuAgent?> GetAgentAsync() => Task.FromResult(State.Status == EcuStatus.Alive ? _agent : null);

    public Task<EcuView> GetAsync() => Task.FromResult(new EcuView(
        Mac(), State.Status, State.Registration, State.FailureEpoch, State.FailureReason,
        _lastHeartbeat, _metrics, _window.Snapshot(), _programs, [.. State.Catalogue], _agent is not null, State.StatusSince,
        State.Status == EcuStatus.Alive && _lastHeartbeat is { } last && LeaseRules.IsSuspect(clock.GetUtcNow(), last, _liveness.Lease, _graceUntil)));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The reminder brings the grain back to life (activation restarts the lease watch and sends the outbox)
        // and repairs the fleet registry, whose one-way updates may have been lost with a silo.
        await DispatchOutboxAsync();
        if (State.Status == EcuStatus.Alive)
        {
            await GrainFactory.GetGrain<IFleetGrain>(0).AddAsync(Mac());
        }
        else if (State.Outbox.Count == 0)
        {
            await UnregisterSafetyNetAsync();
        }
    }

    private async Task BecomeAliveAsync()
    {
        var wasAlive = State.Status == EcuStatus.Alive;
        State.Status = EcuStatus.Alive;
        State.StatusSince = wasAlive ? State.StatusSince : clock.GetUtcNow();
        await WriteAsync();
        if (!wasAlive)
        {
            logger.EcuAlive(Mac(), State.Registration!.Name);
            await GrainFactory.GetGrain<IFleetGrain>(0).AddAsync(Mac());
            await this.RegisterOrUpdateReminder(SafetyNetReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    private async Task<HeartbeatReply> FenceAsync()
    {
        if (State.Status == EcuStatus.Failed)
        {
            State.Status = EcuStatus.Fenced;
            State.StatusSince = clock.GetUtcNow();
            await WriteAsync();
            logger.EcuFenced(Mac(), State.FailureEpoch);
        }

        return Reply();
    }

    /// <summary>
    /// Starts a fresh lease, at the end of a registration (its awaited writes and calls may have taken longer than
    /// the lease, and the agent sends its first heartbeat only once it is answered) or of an activation.
    /// </summary>
    private void StartLease()
    {
        _lastHeartbeat = clock.GetUtcNow();
        _graceUntil = DateTimeOffset.MinValue;
        _leaseTimer ??= this.RegisterGrainTimer(CheckLeaseAsync, new GrainTimerCreationOptions
        {
            DueTime = _liveness.CheckInterval,
            Period = _liveness.CheckInterval,
            KeepAlive = true,
        });
    }

    private Task CheckLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (State.Status == EcuStatus.Alive && _lastHeartbeat is { } last && LeaseRules.HasLapsed(now, last, _liveness.Lease, _graceUntil))
        {
            // Not awaited: the verdict must queue behind this turn (see the class remarks).
            this.AsReference<IEcuLease>().ExpireLeaseAsync(last).Ignore();
        }
        else if (State.Status == EcuStatus.Alive && now - _announcedToFleet > _liveness.RegistryRefresh)
        {
            // Not awaited either: a slow registry (its silo just died) must not hold up this ECU's heartbeats; the
            // next refresh repeats a lost one.
            _announcedToFleet = now;
            GrainFactory.GetGrain<IFleetGrain>(0).AddAsync(Mac()).Ignore();
        }

        return Task.CompletedTask;
    }

    public async Task ExpireLeaseAsync(DateTimeOffset lastHeartbeat)
    {
        var now = clock.GetUtcNow();
        if (State.Status == EcuStatus.Alive && _lastHeartbeat == lastHeartbeat && LeaseRules.HasLapsed(now, lastHeartbeat, _liveness.Lease, _graceUntil))
        {
            await DeclareFailedAsync($"lease expired: no heartbeat for {(now - lastHeartbeat).TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Persists the state; a failed write puts back the last stored state (see <see cref="StateWrites"/>).</summary>
    private async Task WriteAsync() => _persisted = await state.WriteOrRevertAsync(_persisted, copier, DeactivateOnIdle);

    private async Task UnregisterSafetyNetAsync()
    {
        if (await this.GetReminder(SafetyNetReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private HeartbeatReply Reply() =>
        new(State.Status, State.FailureEpoch, State.Status == EcuStatus.Alive && _agent is null, State.NextProgramId, _liveness.Lease);

    private string Mac()
    {
        var key = this.GetPrimaryKeyString();
        return MacAddress.Normalize(key) == key
            ? key
            : throw new CheckpointRejectedException(RejectReason.MalformedMac, $"grain key '{key}' is not a canonical MAC.");
    }

    /// <summary>
    /// Refuses measurements no agent can make (they would skew placement, and NaN or infinity cannot even be shown
    /// as JSON): the ECU's CPU load is 0..1, RAM figures and each program's figures are not negative, loads are finite.
    /// </summary>
    private static void Validate(EcuHeartbeat? heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat?.Metrics, nameof(heartbeat));
        var metrics = heartbeat.Metrics;
        if (!double.IsFinite(metrics.CpuLoad) || metrics.CpuLoad is < 0 or > 1 || metrics.RamUsedBytes < 0 || metrics.RamTotalBytes < 0)
        {
            throw new ArgumentException($"A heartbeat's CPU load is 0..1 and its RAM figures are not negative, not {metrics}.", nameof(heartbeat));
        }

        foreach (var program in heartbeat.Programs ?? [])
        {
            if (program is null || program.ProgramId < 0 || program.Name is null || program.RssBytes < 0
                || !double.IsFinite(program.CpuLoad) || program.CpuLoad < 0 || program.LastAcknowledgedVersion < 0)
            {
                throw new ArgumentException(
                    $"A reported program has an ID, a name, and a finite CPU load, RSS and version that are not negative, not {program?.ToString() ?? "null"}.",
                    nameof(heartbeat));
            }
        }
    }

    private void Validate(EcuRegistration? registration)
    {
        // A grain under a malformed key refuses before anything is stored under that key.
        _ = Mac();
        if (registration is null || string.IsNullOrWhiteSpace(registration.Name) || registration.RamBytes <= 0 || registration.CpuCores <= 0)
        {
            throw new ArgumentException("A registration needs a name, RAM > 0 and CPU cores > 0.", nameof(registration));
        }
    }
}
