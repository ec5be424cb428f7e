using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCms.Ecus;
using OrleansCms.Ingest;
using OrleansCms.Programs;
using OrleansCms.Security;
using OrleansCms.Standby;
using OrleansCms.Storage;

namespace OrleansCms.Agent;

/// <summary>
/// The agent's life: register with the CMS, start the declared programs, heartbeat with real measurements,
/// carry out commands, report crashes, and obey fencing. While no gateway answers, checkpoints wait in the bounded
/// buffer and the loop tries again every heartbeat; once the agent's lease lapses (<see cref="LeaseFence"/>) its
/// programs are frozen until the CMS answers again: thawed if the ECU is still alive, killed if it was declared
/// failed (their copies run elsewhere by then).
/// </summary>
internal sealed class EcuAgentService : BackgroundService
{
    /// <summary>The CMS's default lease, for a CMS that does not say which it runs.</summary>
    private static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(2);

    private readonly IClusterClient _client;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly AgentOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CheckpointUploader _uploader;
    private readonly ProgramSupervisor _supervisor;
    private readonly StandbyPrestarts _prestarts;
    private readonly EcuMetricsCollector _metrics;
    private readonly LeaseFence _fence;
    private readonly CallerSession? _session;
    private readonly ICallerCredentials? _credentials;
    private readonly LeaseDatagrams? _datagrams;

    // One sequence for heartbeats and lease datagrams, so that the CMS takes no datagram older than a heartbeat it took.
    private long _sequence;
    private long _datagramSentAt;
    private long _frozenAt;
    private readonly Lock _leaseGate = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");

    // Orleans holds a local observer weakly: this field keeps the commands object alive.
    private readonly AgentCommands _commands;
    private IEcuAgent? _commandsReference;
    private readonly ConcurrentQueue<string> _declaredToStart = new();

    // The program ID reserved for the head of _declaredToStart: a registration retried after a lost answer repeats
    // it, so the CMS keeps one catalogue entry for the program.
    private int? _declaredId;
    private Task _declaredStarts = Task.CompletedTask;
    private volatile bool _acceptsPrograms;
    private bool _reachable = true;
    private bool _registered;
    private bool _declaredQueued;

    public EcuAgentService(
        IClusterClient client,
        IOptions<AgentOptions> options,
        IOptions<IngestClientOptions> ingest,
        IOptions<ProgramProtocolOptions> protocol,
        TimeProvider clock,
        ILoggerFactory loggers,
        IHostApplicationLifetime lifetime,
        IServiceProvider services)
    {
        _client = client;
        _lifetime = lifetime;
        _options = options.Value;
        _clock = clock;
        _logger = loggers.CreateLogger("OrleansCms.Agent");
        var buffer = new CheckpointBuffer(ingest.Value, loggers.CreateLogger<CheckpointBuffer>());
        _uploader = new CheckpointUploader(client, buffer, ingest.Value, loggers.CreateLogger<CheckpointUploader>());
        _supervisor = new ProgramSupervisor(_options.Mac, client, _uploader, new CheckpointChunker(ingest.Value),
            protocol.Value, clock, loggers.CreateLogger("OrleansCms.Programs"));
        _uploader.Acknowledged += (key, version, _) => _supervisor.OnAcknowledged(key, version);
        _uploader.Rejected += (key, version, reason) => _supervisor.OnRejected(key, version, reason);
        _fence = new LeaseFence(clock, _options.HeartbeatInterval);
        _prestarts = new StandbyPrestarts(_options.StandbyPrestarts, protocol.Value, loggers.CreateLogger("OrleansCms.Programs"));
        _commands = new AgentCommands(_options.Mac, client, _supervisor, new StandbyCache(_options.StandbyCacheBytes), _prestarts, () => _acceptsPrograms && _fence.Holds(), _logger);
        _metrics = new EcuMetricsCollector(_options);

        // Sessions exist only with TLS (UseFleetTls); they carry the datagrams' key.
        _session = services.GetService<CallerSession>();
        _credentials = services.GetService<ICallerCredentials>();
        if (_options.LeaseDatagrams && _session is not null && _credentials is not null)
        {
            _datagrams = new LeaseDatagrams(_options.Gateways, DatagramAnswered);
        }
    }

    private IEcuAgentGrain Ecu => _client.GetGrain<IEcuAgentGrain>(_options.Mac);

    private IEcuSharedGrain EcuView => _client.GetGrain<IEcuSharedGrain>(_options.Mac);

    private EcuRegistration Registration => new(_options.Name, _options.RamBytes, _options.CpuCores, _options.BesideCmsSilo, _instance);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var uploads = _uploader.RunAsync(stoppingToken);
        var guard = GuardLeaseAsync(stoppingToken);
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _clock);
        try
        {
            do
            {
                try
                {
                    if (!_registered)
                    {
                        await RegisterAsync(stoppingToken);
                    }
                    else
                    {
                        await HeartbeatAsync(stoppingToken);
                    }

                    if (_declaredStarts.IsCompleted && _acceptsPrograms && !_declaredToStart.IsEmpty)
                    {
                        // Off the heartbeat loop: starting ten programs takes longer than the lease.
                        _declaredStarts = StartDeclaredProgramsAsync(stoppingToken);
                    }

                    await _supervisor.ReportCrashesAsync();
                    Reachable(null);
                }
                catch (AccessDeniedException e) when (e.Revoked && !stoppingToken.IsCancellationRequested)
                {
                    await RevokedAsync(e.Message);
                    return;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    Reachable(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _acceptsPrograms = false;
            await _prestarts.DisposeAsync();
            await _supervisor.DisposeAsync();
            await uploads.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await guard.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _datagrams?.Dispose();
        }
    }

    private TimeSpan Timeout => _options.HeartbeatInterval * 4;

    /// <summary>
    /// A heartbeat unanswered within one interval is given up and the next one sent. A gateway that dies with a
    /// heartbeat in flight never answers it (Orleans fails the call only after its response timeout), and waiting
    /// longer than the lease less an interval would get this live ECU declared failed (seen in the soak benchmark).
    /// </summary>
    private TimeSpan HeartbeatTimeout => _options.HeartbeatInterval;

    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var sent = _fence.Sending();
        var reply = await Ecu.RegisterAsync(Registration).WaitAsync(Timeout, stoppingToken);
        Answered(reply, sent);
        _registered = true;
        _logger.Registered(_options.Mac, _options.Name, reply.Status.ToString(), reply.NextProgramId);
        if (!_declaredQueued)
        {
            // Declared programs start once in the ECU's life: after an agent restart the CMS restores the ones it
            // knows (their old processes died with the agent), and a fenced ECU does not start again what was
            // restored elsewhere. They start once the ECU is alive (after a rejoin, if it was fenced).
            var known = (await EcuView.GetAsync().WaitAsync(Timeout, stoppingToken)).Catalogue.Select(e => e.Program.Name).ToHashSet();
            _declaredQueued = true;
            foreach (var spec in _options.Programs.Where(spec => !known.Contains(ProgramSpec.Parse(spec).Name)))
            {
                _declaredToStart.Enqueue(spec);
            }
        }

        await HandleAsync(reply);
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        var sent = _fence.Sending();
        var reply = await SendHeartbeatAsync().WaitAsync(HeartbeatTimeout, stoppingToken);
        Answered(reply, sent);
        if (reply.Status == EcuStatus.Unknown)
        {
            _registered = false;
            _acceptsPrograms = false;
            _logger.NotKnownToCms(_options.Mac);
            await RegisterAsync(stoppingToken);
            return;
        }

        await HandleAsync(reply);
    }

    /// <summary>A heartbeat that names the ticket of the session's lease datagrams (the session is open by then, or opens now).</summary>
    private async Task<HeartbeatReply> SendHeartbeatAsync()
    {
        var ticketId = 0L;
        if (_datagrams is not null && (await _session!.TicketAsync(_credentials!.CertificateFor(_options.Mac)!)).Lease is { } lease)
        {
            _datagrams.Use(lease);
            ticketId = lease.TicketId;
        }

        var heartbeat = _metrics.Measure(_supervisor.Programs) with { Sequence = Interlocked.Increment(ref _sequence), LeaseTicketId = ticketId };
        return await Ecu.HeartbeatAsync(heartbeat);
    }

    /// <summary>
    /// Once no heartbeat was answered for one and a half intervals (one lost, or late), a lease datagram every
    /// <see cref="AgentOptions.LeaseDatagramInterval"/> until one is: it reaches the CMS as soon as the network lets it.
    /// </summary>
    private void SendDatagramIfUnanswered()
    {
        if (_datagrams is null || _fence.SinceAnswered() < _options.HeartbeatInterval * 1.5
            || _clock.GetElapsedTime(_datagramSentAt) < _options.LeaseDatagramInterval)
        {
            return;
        }

        var sentAt = _fence.Sending();
        if (_datagrams.Send(Interlocked.Increment(ref _sequence), sentAt))
        {
            _datagramSentAt = sentAt;
        }
    }

    /// <summary>A silo's signed answer to a lease datagram: counts like a heartbeat's answer, unless it renewed nothing.</summary>
    private void DatagramAnswered(LeaseRenewalReply reply, long sentAt)
    {
        if (reply.Status == EcuStatus.Alive && !reply.Renewed)
        {
            return; // a repeat, or overtaken by a newer heartbeat: its answer counts there
        }

        try
        {
            var silence = _fence.SinceAnswered();
            if (reply.Renewed && silence >= _options.HeartbeatInterval * 1.5)
            {
                _logger.LeaseRenewedByDatagram(_options.Mac, silence.TotalMilliseconds); // once per silence, not per datagram
            }

            Answered(new HeartbeatReply(reply.Status, reply.FailureEpoch, Lease: reply.Lease), sentAt);
        }
        catch (Exception e)
        {
            _logger.DatagramAnswerFailed(e.Message);
        }
    }

    /// <summary>
    /// This ECU's certificate was revoked: the CMS refuses everything it sends and handles it as failed, restoring its
    /// programs elsewhere once its lease is over, so its own copies must never run again. They are stopped now, not
    /// left frozen, and the agent exits; a new certificate and a restart bring the ECU back (fenced).
    /// </summary>
    private async Task RevokedAsync(string refusal)
    {
        _acceptsPrograms = false;
        _logger.CertificateRevoked(_options.Mac, _supervisor.Programs.Count, refusal);
        await _supervisor.StopAllAsync("this ECU's certificate was revoked");
        _lifetime.StopApplication();
    }

    private async Task HandleAsync(HeartbeatReply reply)
    {
        _supervisor.EnsureNextId(reply.NextProgramId);
        if (reply.Status == EcuStatus.Retired)
        {
            _acceptsPrograms = false;
            _logger.Retired(_options.Mac);
            await _supervisor.StopAllAsync("the ECU was retired");
            _lifetime.StopApplication();
            return;
        }

        if (reply.Status is EcuStatus.Fenced or EcuStatus.Failed)
        {
            _acceptsPrograms = false;
            _logger.Fenced(_options.Mac, reply.FailureEpoch, _supervisor.Programs.Count);
            var kept = reply.KeepContinuing;
            await _supervisor.StopAllAsync($"fenced: the CMS restored it elsewhere after failure epoch {reply.FailureEpoch}", keepContinuing: kept);
            var sent = _fence.Sending();
            reply = await Ecu.RejoinAsync(Registration);
            Answered(reply, sent);
            _supervisor.EnsureNextId(reply.NextProgramId);
            if (reply.Status != EcuStatus.Alive)
            {
                return;
            }

            if (kept)
            {
                // Kept because no one had confirmed the failure; a confirmation that came before the rejoin moved
                // them after all, and then their entries are no longer this ECU's.
                var active = (await EcuView.GetAsync()).Catalogue.Where(e => e.Status == ProgramEntryStatus.Active).Select(e => e.ProgramId).ToHashSet();
                await _supervisor.StopUnlistedAsync(active, $"its failure (epoch {reply.FailureEpoch}) was confirmed: it runs elsewhere");
            }
        }

        _acceptsPrograms = reply.Status == EcuStatus.Alive;
        if (reply.NeedsAgent || _commandsReference is null)
        {
            // A fresh reference after a reconnect; the grain keeps it in memory only.
            _commandsReference = _client.CreateObjectReference<IEcuAgent>(_commands);
            _uploader.ResetSourceReference();
            await Ecu.AttachAgentAsync(_commandsReference);
        }
    }

    /// <summary>Starts the declared programs not started yet; one the CMS could not register stays queued.</summary>
    private async Task StartDeclaredProgramsAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (_acceptsPrograms && _declaredToStart.TryPeek(out var spec))
        {
            var info = ProgramSpec.Parse(spec);
            try
            {
                _declaredId ??= _supervisor.ReserveId();
                await _supervisor.StartAsync(info, origin: null, state: null, stoppingToken, _declaredId);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException or StorageUnavailableException)
            {
                return; // the CMS or its database is away: the next tick tries again
            }
            catch (ProgramFencedException e)
            {
                // Registered before the fence: the failed ECU's restoration restores it, or has nothing to restore it from.
                _logger.ProgramStartFailed(info.Name, e.Message);
            }
            catch (ProgramNotRegisteredException e)
            {
                // The ECU was declared failed meanwhile: the heartbeat learns it is fenced and rejoins; then it starts.
                _acceptsPrograms = false;
                _declaredId = null; // the rejoined ECU starts it as a new program
                _logger.ProgramStartDeferred(info.Name, e.Message);
                return;
            }
            catch (Exception e)
            {
                _logger.ProgramStartFailed(info.Name, e.Message);
            }

            _declaredToStart.TryDequeue(out _);
            _declaredId = null;
        }
    }

    /// <summary>
    /// Counts an answer of the CMS against the lease: "alive" renews it from the moment the call was sent (and
    /// thaws the programs if that brings the lease back); "failed" or "fenced" ends it at once, so the old copies
    /// are frozen before they are killed and never run beside the ones restored elsewhere.
    /// </summary>
    private void Answered(HeartbeatReply reply, long sentAt)
    {
        // Heartbeats, datagram answers and the guard's timer decide on separate threads: one at a time, so that a
        // thaw decided on a lease that is revoked meanwhile cannot slip in after the revocation's freeze.
        lock (_leaseGate)
        {
            if (reply.Status is EcuStatus.Failed or EcuStatus.Fenced)
            {
                _fence.Revoked();
                Freeze();
                return;
            }

            if (reply.Status != EcuStatus.Alive)
            {
                return; // retired or unknown: nothing is restored elsewhere, and the lease is not renewed either
            }

            _fence.Answered(sentAt, reply.Lease > TimeSpan.Zero ? reply.Lease : DefaultLease);
            if (_fence.Holds() && _supervisor.Frozen)
            {
                var thawed = _supervisor.ThawAll();
                if (thawed > 0)
                {
                    _logger.LeaseRenewedThawed(_options.Mac, thawed, _clock.GetElapsedTime(_frozenAt).TotalMilliseconds);
                }
            }
        }
    }

    /// <summary>The self-fence: freezes the programs the moment the lease lapses, on its own timer.</summary>
    private async Task GuardLeaseAsync(CancellationToken stoppingToken)
    {
        var poll = Min(_options.HeartbeatInterval / 10, _options.LeaseDatagramInterval / 2);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                SendDatagramIfUnanswered();
                var left = _fence.Remaining();
                if (left == TimeSpan.Zero)
                {
                    Freeze();
                    left = poll;
                }

                await Task.Delay(left < poll ? left : poll, _clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void Freeze()
    {
        lock (_leaseGate)
        {
            if (_supervisor.Frozen)
            {
                return;
            }

            _frozenAt = _clock.GetTimestamp();
            var frozen = _supervisor.FreezeAll();
            if (frozen > 0)
            {
                _logger.LeaseLapsedFrozen(_options.Mac, frozen, _fence.FenceAfter.TotalMilliseconds);
            }
        }
    }

    private void Reachable(Exception? failure)
    {
        if (failure is null && !_reachable)
        {
            _logger.CmsReachable();
        }
        else if (failure is not null && _reachable)
        {
            _logger.CmsUnreachable(failure.GetBaseException().Message);
        }

        _reachable = failure is null;
    }
}
