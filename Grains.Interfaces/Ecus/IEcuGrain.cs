namespace OrleansCms.Ecus;

/// <summary>
/// One ECU, keyed by its canonical MAC (<c>aa:bb:cc:dd:ee:ff</c>): registration, metrics and liveness by lease. The
/// methods declared here are the CMS's and operators' (declaring a failure, retiring); the ECU's own are in
/// <see cref="IEcuAgentGrain"/> and <see cref="IEcuSharedGrain"/>.
/// </summary>
[Alias("OrleansCms.IEcuGrain")]
public interface IEcuGrain : IEcuAgentGrain, IEcuSharedGrain
{
    /// <summary>Declares the ECU failed now (the seed's "overarching entity"); idempotent, returns the failure epoch.</summary>
    [Alias("DeclareFailed")]
    Task<int> DeclareFailedAsync(string reason);

    /// <summary>
    /// Takes an alive ECU out of the fleet on purpose (decommissioning): it is not watched, its programs are not
    /// restored, and its agent is answered <see cref="EcuStatus.Retired"/>. Registering again brings it back empty.
    /// </summary>
    [Alias("Retire")]
    Task RetireAsync(string reason);

    /// <summary>Activates the grain so that its lease is watched (used after a silo died).</summary>
    [Alias("Watch")]
    Task WatchAsync();

    /// <summary>The attached agent's observer, or null while none is attached.</summary>
    [Alias("GetAgent"), Orleans.Concurrency.AlwaysInterleave]
    Task<IEcuAgent?> GetAgentAsync();

    /// <summary>The catalogue entry a restore command started, if the agent registered one.</summary>
    [Alias("FindByCommand"), Orleans.Concurrency.AlwaysInterleave]
    Task<ProgramEntry?> FindByCommandAsync(string commandId);

    /// <summary>The catalogue entry of a program, if the ECU ran it and still lists it.</summary>
    [Alias("FindProgram"), Orleans.Concurrency.AlwaysInterleave]
    Task<ProgramEntry?> FindProgramAsync(int programId);
}
