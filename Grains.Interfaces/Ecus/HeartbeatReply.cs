namespace OrleansCms.Ecus;

/// <summary>
/// The CMS's answer to a registration or heartbeat. <see cref="EcuStatus.Fenced"/> means: stop every old program;
/// <see cref="EcuStatus.Unknown"/> (to a heartbeat) means: the CMS does not know this ECU, register it again.
/// <see cref="NeedsAgent"/> asks the agent to attach its command observer again (the grain lost it, e.g. with a silo).
/// <see cref="NextProgramId"/> is the lowest program ID the ECU has never used. <see cref="Lease"/> is how long
/// the CMS waits for the next heartbeat before it declares the ECU failed: the agent freezes its programs before.
/// <see cref="KeepContinuing"/>, with <see cref="EcuStatus.Fenced"/>, says that no one confirmed the failure: the
/// programs that run on while cut off (<see cref="Checkpoints.IsolationPolicy.Continue"/>) were not moved; keep them.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.HeartbeatReply")]
public sealed record HeartbeatReply(
    [property: Id(0)] EcuStatus Status,
    [property: Id(1)] int FailureEpoch,
    [property: Id(2)] bool NeedsAgent = false,
    [property: Id(3)] int NextProgramId = 0,
    [property: Id(4)] TimeSpan Lease = default,
    [property: Id(5)] bool KeepContinuing = false);
