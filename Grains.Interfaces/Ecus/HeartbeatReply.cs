namespace OrleansCms.Ecus;

/// <summary>The CMS's answer to a registration or heartbeat. <see cref="EcuStatus.Fenced"/> means: stop every old program.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.HeartbeatReply")]
public sealed record HeartbeatReply([property: Id(0)] EcuStatus Status, [property: Id(1)] int FailureEpoch);
