using OrleansCms.Security;

namespace OrleansCms.Ecus;

/// <summary>What only the ECU itself may do with its grain (keyed by its MAC): register, heartbeat, report its programs.</summary>
[CalledBy(Callers.Ecu), Alias("OrleansCms.IEcuAgentGrain")]
public interface IEcuAgentGrain : IGrainWithStringKey
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

    /// <summary>A fenced ECU that stopped its old programs joins again as a fresh, empty ECU.</summary>
    [Alias("Rejoin")]
    Task<HeartbeatReply> RejoinAsync(EcuRegistration registration);

    /// <summary>Attaches (or re-attaches after a reconnect) the agent's command observer.</summary>
    [Alias("AttachAgent")]
    Task AttachAgentAsync(IEcuAgent agent);

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
}
