namespace OrleansCms.Ecus;

/// <summary>An ECU as the CMS sees it: identity, status, the latest metrics and the recent window.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuView")]
public sealed record EcuView(
    [property: Id(0)] string Mac,
    [property: Id(1)] EcuStatus Status,
    [property: Id(2)] EcuRegistration? Registration,
    [property: Id(3)] int FailureEpoch,
    [property: Id(4)] string? FailureReason,
    [property: Id(5)] DateTimeOffset? LastHeartbeat,
    [property: Id(6)] EcuMetrics? Metrics,
    [property: Id(7)] IReadOnlyList<MetricsSample> Window,
    [property: Id(8)] IReadOnlyList<RunningProgram> Programs,
    [property: Id(9)] IReadOnlyList<ProgramEntry> Catalogue,
    [property: Id(10)] bool AgentAttached,
    [property: Id(11)] DateTimeOffset? StatusSince,
    [property: Id(12)] bool Suspect = false);

/// <summary>Metrics at one moment, for the placement window and the dashboard.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.MetricsSample")]
public sealed record MetricsSample([property: Id(0)] DateTimeOffset At, [property: Id(1)] EcuMetrics Metrics);
