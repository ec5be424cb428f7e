namespace OrleansCms.Ecus;

/// <summary>
/// What an agent sends every heartbeat interval: its measurements and the programs it runs. <see cref="Sequence"/>
/// (shared with the agent's lease datagrams) and <see cref="LeaseTicketId"/> (the ticket its datagrams carry, 0 for
/// none) tell the ECU's grain which lease datagrams may still renew its lease (<see cref="LeaseDatagram"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuHeartbeat")]
public sealed record EcuHeartbeat(
    [property: Id(0)] EcuMetrics Metrics,
    [property: Id(1)] IReadOnlyList<RunningProgram> Programs,
    [property: Id(2)] long Sequence = 0,
    [property: Id(3)] long LeaseTicketId = 0);

/// <summary>One program as its agent reports it, with its process's resident memory and CPU load (0..1 of the ECU).</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RunningProgram")]
public sealed record RunningProgram(
    [property: Id(0)] int ProgramId,
    [property: Id(1)] string Name,
    [property: Id(2)] bool Running,
    [property: Id(3)] long LastAcknowledgedVersion,
    [property: Id(4)] long RssBytes = 0,
    [property: Id(5)] double CpuLoad = 0,
    [property: Id(6)] DateTimeOffset? LastAcknowledgedAt = null);
