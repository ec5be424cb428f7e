namespace OrleansCms.Ecus;

/// <summary>
/// The MACs of the ECUs that are alive, persisted, so that after a silo dies the survivors can reactivate
/// (and so watch) the ECU grains that lived on it.
/// </summary>
[Alias("OrleansCms.IFleetGrain")]
public interface IFleetGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    Task AddAsync(string mac);

    [Alias("Remove")]
    Task RemoveAsync(string mac);

    [Alias("List")]
    Task<IReadOnlyList<string>> ListAsync();

    /// <summary>Activates every alive ECU's grain; returns how many were touched.</summary>
    [Alias("WatchAll")]
    Task<int> WatchAllAsync();
}
