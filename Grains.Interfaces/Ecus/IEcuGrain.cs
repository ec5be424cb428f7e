namespace OrleansCms.Ecus;

/// <summary>One ECU, keyed by its canonical MAC (<c>aa:bb:cc:dd:ee:ff</c>): registration, metrics and liveness by lease.</summary>
[Alias("OrleansCms.IEcuGrain")]
public interface IEcuGrain : IGrainWithStringKey
{
    /// <summary>Registers (or re-registers after a reconnect) the ECU. A failed ECU is answered Fenced.</summary>
    [Alias("Register")]
    Task<HeartbeatReply> RegisterAsync(EcuRegistration registration);

    /// <summary>Renews the lease and records the metrics. A failed or fenced ECU is answered Fenced.</summary>
    [Alias("Heartbeat")]
    Task<HeartbeatReply> HeartbeatAsync(EcuHeartbeat heartbeat);

    /// <summary>Declares the ECU failed now (the seed's "overarching entity"); idempotent, returns the failure epoch.</summary>
    [Alias("DeclareFailed")]
    Task<int> DeclareFailedAsync(string reason);

    /// <summary>A fenced ECU that stopped its old programs joins again as a fresh, empty ECU.</summary>
    [Alias("Rejoin")]
    Task<HeartbeatReply> RejoinAsync(EcuRegistration registration);

    /// <summary>Activates the grain so that its lease is watched (used after a silo died).</summary>
    [Alias("Watch")]
    Task WatchAsync();

    /// <summary>The ECU as the CMS sees it now.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<EcuView> GetAsync();
}
