namespace OrleansCms.Ecus;

/// <summary>One ECU, keyed by its canonical MAC (<c>aa:bb:cc:dd:ee:ff</c>): registration, metrics and liveness by lease.</summary>
[Alias("OrleansCms.IEcuGrain")]
public interface IEcuGrain : IGrainWithStringKey
{
    /// <summary>Registers (or re-registers after a reconnect) the ECU. A failed ECU is answered Fenced.</summary>
    [Alias("Register")]
    Task<HeartbeatReply> RegisterAsync(EcuRegistration registration);

    /// <summary>
    /// Renews the lease and records the metrics. A failed or fenced ECU is answered Fenced; an ECU the CMS does not
    /// know (never registered, or its state was reset) is answered <see cref="EcuStatus.Unknown"/> and must register.
    /// </summary>
    [Alias("Heartbeat")]
    Task<HeartbeatReply> HeartbeatAsync(EcuHeartbeat heartbeat);

    /// <summary>Declares the ECU failed now (the seed's "overarching entity"); idempotent, returns the failure epoch.</summary>
    [Alias("DeclareFailed")]
    Task<int> DeclareFailedAsync(string reason);

    /// <summary>
    /// Takes an alive ECU out of the fleet on purpose (decommissioning): it is not watched, its programs are not
    /// restored, and its agent is answered <see cref="EcuStatus.Retired"/>. Registering again brings it back empty.
    /// </summary>
    [Alias("Retire")]
    Task RetireAsync(string reason);

    /// <summary>A fenced ECU that stopped its old programs joins again as a fresh, empty ECU.</summary>
    [Alias("Rejoin")]
    Task<HeartbeatReply> RejoinAsync(EcuRegistration registration);

    /// <summary>Activates the grain so that its lease is watched (used after a silo died).</summary>
    [Alias("Watch")]
    Task WatchAsync();

    /// <summary>Attaches (or re-attaches after a reconnect) the agent's command observer.</summary>
    [Alias("AttachAgent")]
    Task AttachAgentAsync(IEcuAgent agent);

    /// <summary>The attached agent's observer, or null while none is attached.</summary>
    [Alias("GetAgent"), Orleans.Concurrency.AlwaysInterleave]
    Task<IEcuAgent?> GetAgentAsync();

    /// <summary>
    /// Adds a program to the catalogue before its agent starts it and returns its ID. Refused unless the ECU is
    /// alive (<see cref="ProgramNotRegisteredException"/>) and the ID is new on this ECU. A restore command registers
    /// once: repeating it returns the ID of the first registration, whatever ID the repeat asked for. A declared
    /// program's registration repeated with the same ID and name returns that ID and adds nothing. A restore command
    /// whose fencing token is older than one registered for the same logical program is refused
    /// (<see cref="StaleCommandException"/>), durably: the newest token per program is persisted with the catalogue.
    /// </summary>
    [Alias("AddProgram")]
    Task<int> AddProgramAsync(ProgramEntry entry);

    /// <summary>Ends a catalogue entry (stopped, or retired in favour of <paramref name="successor"/>); idempotent.</summary>
    [Alias("EndProgram")]
    Task EndProgramAsync(int programId, ProgramEntryStatus status, string reason, string? successor = null);

    /// <summary>The agent reports a program that exited unexpectedly; starts its restoration and returns its id.</summary>
    [Alias("ReportCrash")]
    Task<string> ReportCrashAsync(int programId, string detail);

    /// <summary>Asks to move a program to another ECU (the best one, or <paramref name="targetMac"/>); returns the migration's id.</summary>
    [Alias("RequestMigration")]
    Task<string> RequestMigrationAsync(int programId, string? targetMac);

    /// <summary>The catalogue entry a restore command started, if the agent registered one.</summary>
    [Alias("FindByCommand"), Orleans.Concurrency.AlwaysInterleave]
    Task<ProgramEntry?> FindByCommandAsync(string commandId);

    /// <summary>The catalogue entry of a program, if the ECU ran it and still lists it.</summary>
    [Alias("FindProgram"), Orleans.Concurrency.AlwaysInterleave]
    Task<ProgramEntry?> FindProgramAsync(int programId);

    /// <summary>The ECU as the CMS sees it now.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<EcuView> GetAsync();
}
