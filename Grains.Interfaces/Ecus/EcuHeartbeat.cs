namespace OrleansCms.Ecus;

/// <summary>What an agent sends every heartbeat interval: its measurements and the programs it runs.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuHeartbeat")]
public sealed record EcuHeartbeat(
    [property: Id(0)] EcuMetrics Metrics,
    [property: Id(1)] IReadOnlyList<RunningProgram> Programs);

/// <summary>One program as its agent reports it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RunningProgram")]
public sealed record RunningProgram(
    [property: Id(0)] int ProgramId,
    [property: Id(1)] string Name,
    [property: Id(2)] bool Running,
    [property: Id(3)] long LastAcknowledgedVersion);
