using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCms.Checkpoints;
using OrleansCms.Restoration;
using OrleansCms.Standby;
using OrleansCms.Storage;

namespace OrleansCms.Ecus;

/// <summary>
/// One ECU. Status changes and the program catalogue are persisted; heartbeats and metrics live in memory.
/// While the ECU is alive a timer checks its lease; a new activation (after its silo died) grants a fresh
/// lease from activation, and a registration starts one when it is answered. The decisions are
/// <see cref="EcuLifecycle"/>'s (status), <see cref="ProgramCatalogue"/>'s (programs) and <see cref="LeaseWatch"/>'s;
/// restorations they decide wait in the persisted outbox until their grain confirms the start.
/// </summary>
/// <remarks>
/// Heartbeats are taken in turn with every other call, so while the grain waits on a slow write or call they
/// queue, and a timer tick that was due meanwhile may come first. The timer therefore does not declare the
/// ECU failed itself: it sends the verdict to the grain as a message (<see cref="IEcuLease"/>), which queues
/// behind the heartbeats that had arrived, and a heartbeat taken meanwhile cancels it.
/// </remarks>
public sealed class EcuGrain(
    [PersistentState("ecu", CmsStorageOptions.GrainStorageName)] IPersistentState<EcuState> state,
    IOptions<LivenessOptions> options,
    TimeProvider clock,
    ClusterFormation cluster,
    PlacementPolicy placement,
    FleetCandidatesCache candidates,
    IOptions<StandbyOptions> standby,
    DeepCopier<EcuState> copier,
    ILogger<EcuGrain> logger) : Grain, IEcuGrain, IEcuLease, IRemindable
{
    private const string SafetyNetReminder = "lease-watch";

    // A restoration that could not be started (its grain was placed on a silo that had just died) is sent again
    // this often while the grain lives; the one-minute reminder only covers a grain that is not active.
    private static readonly TimeSpan OutboxRetryInterval = TimeSpan.FromSeconds(1);

    private readonly LivenessOptions _liveness = options.Value;
    private readonly MetricsWindow _window = new(options.Value.MetricsWindow);
    private readonly LeaseWatch _lease = new(options.Value.Lease);
    private readonly LeaseDatagramGate _datagrams = new();
    private DateTimeOffset _announcedToFleet;
    private EcuMetrics? _metrics;
    private IReadOnlyList<RunningProgram> _programs = [];
    private IGrainTimer? _leaseTimer;
    private IGrainTimer? _outboxRetry;
    private IGrainTimer? _standbyPlanning;
    private IEcuAgent? _agent;
    private EcuState _persisted = null!;

    private EcuState State => state.State;

    private string Key => this.GetPrimaryKeyString();

    // Both made anew for each use: a failed write replaces the state object.
    private EcuLifecycle Lifecycle => new(State, Key, clock);

    private ProgramCatalogue Catalogue => new(State, Key, clock);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted = copier.Copy(State);
        await DispatchOutboxAsync();
        if (State.Status == EcuStatus.Alive)
        {
            StartLease();
            var graceUntil = _lease.GrantRecoveryGrace(State.StatusSince, cluster.FormedAt(), _liveness.RecoveryGrace);
            if (graceUntil > clock.GetUtcNow())
            {
                logger.EcuRecoveryGrace(Mac(), graceUntil);
            }
        }
    }

    public async Task<HeartbeatReply> RegisterAsync(EcuRegistration registration)
    {
        Validate(registration);
        if (Lifecycle.IsCutOff)
        {
            return await FenceAsync();
        }

        foreach (var crashed in Lifecycle.Register(registration))
        {
            logger.ProgramCrashed(Mac(), crashed.ProgramId, crashed.Program.Name, crashed.EndReason ?? "");
        }

        await BecomeAliveAsync();
        await DispatchOutboxAsync();
        StartLease();
        return Reply();
    }

    public async Task<HeartbeatReply> HeartbeatAsync(EcuHeartbeat heartbeat)
    {
        _ = Mac(); // a malformed key is refused, not answered "unknown: register first"
        AgentReports.Validate(heartbeat);
        if (Lifecycle.IsCutOff)
        {
            return await FenceAsync();
        }

        // A retired ECU is only answered, an unknown one registers first.
        if (State.Status == EcuStatus.Alive)
        {
            var now = clock.GetUtcNow();
            _lease.Renew(now);
            _datagrams.Heartbeat(heartbeat.LeaseTicketId, heartbeat.Sequence);
            _metrics = heartbeat.Metrics;
            _programs = heartbeat.Programs ?? [];
            _window.Add(new MetricsSample(now, heartbeat.Metrics));
        }

        return Reply();
    }

    /// <summary>Declared by an operator or a monitor: a confirmed failure, which also moves the programs that run on while cut off.</summary>
    public Task<int> DeclareFailedAsync(string reason) => FailAsync(reason, confirmed: true);

    private async Task<int> FailAsync(string reason, bool confirmed)
    {
        // Declared while the agent may still hold its lease: its copies start elsewhere only once that lease is over
        // by this clock, when a cut-off agent has frozen them.
        var notBefore = (_lease.LastHeartbeat ?? clock.GetUtcNow()) + _liveness.Lease;
        if (confirmed && Lifecycle.ConfirmFailure(reason, notBefore))
        {
            await WriteAsync();
            logger.EcuFailureConfirmed(Mac(), State.FailureEpoch, reason);
            await DispatchOutboxAsync();
            return State.FailureEpoch;
        }

        if (!Lifecycle.Fail(reason, notBefore, confirmed))
        {
            return State.FailureEpoch;
        }

        await WriteAsync();
        StopTimers();
        _agent = null;
        logger.EcuFailed(Mac(), State.FailureEpoch, reason);
        await GrainFactory.GetGrain<IFleetGrain>(0).RemoveAsync(Mac(), EcuStatus.Failed);
        await DispatchOutboxAsync();
        return State.FailureEpoch;
    }

    public async Task RetireAsync(string reason)
    {
        if (!Lifecycle.Retire(reason))
        {
            return;
        }

        await WriteAsync();
        StopTimers();
        _agent = null;
        await GrainFactory.GetGrain<IFleetGrain>(0).RemoveAsync(Mac(), EcuStatus.Retired);
        logger.EcuRetired(Mac(), reason);
    }

    public async Task<HeartbeatReply> RejoinAsync(EcuRegistration registration)
    {
        Validate(registration);
        if (!Lifecycle.Rejoin(registration))
        {
            return await FenceAsync();
        }

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
        _lease.LastHeartbeat, _metrics, _window.Snapshot(), _programs, [.. State.Catalogue], _agent is not null, State.StatusSince,
        State.Status == EcuStatus.Alive && _lease.IsSuspect(clock.GetUtcNow())));

    public async Task<int> AddProgramAsync(ProgramEntry entry)
    {
        var (programId, added) = Catalogue.Add(entry);
        if (added)
        {
            await WriteAsync();
            PlanStandbysWhileNeeded();
        }

        return programId;
    }

    public async Task EndProgramAsync(int programId, ProgramEntryStatus status, string reason, string? successor = null)
    {
        if (Catalogue.End(programId, status, reason, successor))
        {
            await WriteAsync();
        }
    }

    public async Task<string> ReportCrashAsync(int programId, string detail)
    {
        var (id, crashed) = Catalogue.ReportCrash(programId, detail);
        if (crashed is not null)
        {
            logger.ProgramCrashed(Mac(), programId, crashed.Program.Name, detail);
            await WriteAsync();
            await DispatchOutboxAsync();
        }

        return id;
    }

    public async Task<string> RequestMigrationAsync(int programId, string? targetMac)
    {
        var id = Catalogue.RequestMigration(programId, targetMac);
        await WriteAsync();
        await DispatchOutboxAsync();
        return id;
    }

    public Task<ProgramEntry?> FindByCommandAsync(string commandId) => Task.FromResult(Catalogue.FindByCommand(commandId));

    public Task<ProgramEntry?> FindProgramAsync(int programId) => Task.FromResult(State.Catalogue.Find(p => p.ProgramId == programId));

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

    public Task<LeaseRenewalReply> RenewByDatagramAsync(long ticketId, long sequence)
    {
        var renewed = State.Status == EcuStatus.Alive && _datagrams.Admit(ticketId, sequence);
        if (renewed)
        {
            _lease.Renew(clock.GetUtcNow());
        }

        var reply = Reply();
        return Task.FromResult(new LeaseRenewalReply(reply.Status, renewed, reply.FailureEpoch, reply.Lease));
    }

    public async Task ExpireLeaseAsync(DateTimeOffset lastHeartbeat)
    {
        var now = clock.GetUtcNow();
        if (State.Status == EcuStatus.Alive && _lease.Confirms(lastHeartbeat, now))
        {
            await FailAsync($"lease expired: no heartbeat for {(now - lastHeartbeat).TotalMilliseconds:0} ms", confirmed: false);
        }
    }

    private async Task BecomeAliveAsync()
    {
        var newlyAlive = Lifecycle.BecomeAlive();
        await WriteAsync();
        if (newlyAlive)
        {
            logger.EcuAlive(Mac(), State.Registration!.Name);
            await GrainFactory.GetGrain<IFleetGrain>(0).AddAsync(Mac());
            await this.RegisterOrUpdateReminder(SafetyNetReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    private async Task<HeartbeatReply> FenceAsync()
    {
        if (Lifecycle.Fence())
        {
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
        _lease.Renew(clock.GetUtcNow());
        _leaseTimer ??= this.RegisterGrainTimer(CheckLeaseAsync, new GrainTimerCreationOptions
        {
            DueTime = _liveness.CheckInterval,
            Period = _liveness.CheckInterval,
            KeepAlive = true,
        });
        PlanStandbysWhileNeeded();
    }

    /// <summary>Plans standbys every <see cref="StandbyOptions.ReplanInterval"/> while a program wants one or still has one to clear.</summary>
    private void PlanStandbysWhileNeeded()
    {
        if (State.Catalogue.Exists(p => p.Status == ProgramEntryStatus.Active && p.Program.Standby || p.StandbyMac is not null))
        {
            _standbyPlanning ??= this.RegisterGrainTimer(PlanStandbysAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromSeconds(1),
                Period = standby.Value.ReplanInterval,
            });
        }
    }

    private void StopTimers()
    {
        _leaseTimer?.Dispose();
        _leaseTimer = null;
        _standbyPlanning?.Dispose();
        _standbyPlanning = null;
    }

    /// <summary>
    /// Plans where this ECU's standby programs are kept warm (<see cref="StandbyPlanner"/>), records a changed plan
    /// in the catalogue (a failure's restoration prefers it), and tells each program's checkpoint grain.
    /// </summary>
    private async Task PlanStandbysAsync(CancellationToken cancellationToken)
    {
        if (State.Status != EcuStatus.Alive)
        {
            return;
        }

        // Programs that ended here (stopped, or moved by a restoration that did not claim them) need no standby any more.
        var ended = State.Catalogue.Where(p => p.Status != ProgramEntryStatus.Active && p.StandbyMac is not null).ToDictionary(p => p.ProgramId, _ => (string?)null);
        var wanting = Catalogue.Active().Where(p => p.Program.Standby).ToList();
        if (wanting.Count == 0 && ended.Count == 0)
        {
            _standbyPlanning?.Dispose(); // until a standby program registers
            _standbyPlanning = null;
            return;
        }

        if (candidates.Current() is not { } fleet)
        {
            return;
        }

        var plan = ended.Concat(StandbyPlanner.Plan(Mac(), wanting, fleet, placement)).ToDictionary();
        if (Catalogue.SetStandbys(plan, includeEnded: true))
        {
            await WriteAsync();
            logger.StandbysPlanned(Mac(), string.Join(", ", plan.Select(p => $"{p.Key}→{p.Value ?? "none"}")));
        }

        // Told every time, not only on a change: a checkpoint grain that was reactivated meanwhile learns it again.
        foreach (var (programId, target) in plan)
        {
            GrainFactory.GetGrain<ICheckpointGrain>(new CheckpointKey(Mac(), programId).ToString()).SetStandbyAsync(target).Ignore();
        }
    }

    private Task CheckLeaseAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (State.Status == EcuStatus.Alive && _lease.Lapsed(now) is { } last)
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

    /// <summary>Starts every decided restoration; one that fails stays in the outbox for the next activation or reminder.</summary>
    private async Task DispatchOutboxAsync()
    {
        if (State.Outbox.Count == 0)
        {
            return;
        }

        var started = new List<string>();
        foreach (var (id, request) in State.Outbox)
        {
            try
            {
                await GrainFactory.GetGrain<IRestorationGrain>(id).StartAsync(request);
                started.Add(id);
            }
            catch (Exception e)
            {
                logger.RestorationStartFailed(e, id);
            }
        }

        if (started.Count > 0)
        {
            started.ForEach(id => State.Outbox.Remove(id));
            await WriteAsync();
        }

        if (State.Outbox.Count > 0)
        {
            // Retried every second while this activation lives (PostgreSQL may be briefly away), and by the
            // reminder if its silo dies.
            _outboxRetry ??= this.RegisterGrainTimer(_ => RetryOutboxAsync(), new GrainTimerCreationOptions
            {
                DueTime = OutboxRetryInterval,
                Period = OutboxRetryInterval,
                KeepAlive = true,
            });
            await this.RegisterOrUpdateReminder(SafetyNetReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        else
        {
            _outboxRetry?.Dispose();
            _outboxRetry = null;
        }
    }

    private async Task RetryOutboxAsync()
    {
        if (State.Outbox.Count == 0)
        {
            _outboxRetry?.Dispose();
            _outboxRetry = null;
            return;
        }

        await DispatchOutboxAsync();
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

    private HeartbeatReply Reply() => Lifecycle.Reply(agentAttached: _agent is not null) with { Lease = _liveness.Lease };

    private string Mac() => EcuKey.Mac(Key);

    private void Validate(EcuRegistration? registration)
    {
        // A grain under a malformed key refuses before anything is stored under that key.
        _ = Mac();
        AgentReports.Validate(registration);
    }
}
