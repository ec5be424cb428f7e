namespace OrleansCms.Ecus;

/// <summary>
/// The MACs of the ECUs that are alive, persisted, so that after a silo dies the survivors can reactivate
/// (and so watch) the ECU grains that lived on it.
/// </summary>
[Alias("OrleansCms.IFleetGrain")]
public interface IFleetGrain : IGrainWithIntegerKey
{
    /// <summary>Records an alive ECU. One-way: an ECU's grain never waits on the fleet; it announces itself again every Cms:Liveness:RegistryRefresh, which repairs a lost call.</summary>
    [Alias("Add"), Orleans.Concurrency.OneWay]
    Task AddAsync(string mac);

    /// <summary>Forgets an ECU that failed or retired (<paramref name="status"/>, for the census). One-way, like <see cref="AddAsync"/>.</summary>
    [Alias("Remove"), Orleans.Concurrency.OneWay]
    Task RemoveAsync(string mac, EcuStatus status);

    /// <summary>The alive ECUs.</summary>
    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();

    /// <summary>Every ECU that was ever alive, whatever its status now.</summary>
    [Alias("ListKnown")]
    Task<IReadOnlyList<string>> ListKnownAsync();

    /// <summary>How many known ECUs are alive, failed and retired.</summary>
    [Alias("Census"), Orleans.Concurrency.AlwaysInterleave]
    Task<FleetCensus> CensusAsync();

    /// <summary>Activates every alive ECU's grain; returns how many were touched.</summary>
    [Alias("WatchAll")]
    Task<int> WatchAllAsync();
}
