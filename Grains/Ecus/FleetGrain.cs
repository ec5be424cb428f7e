using OrleansCms.Storage;

namespace OrleansCms.Ecus;

public sealed class FleetGrain(
    [PersistentState("fleet", CmsStorageOptions.GrainStorageName)] IPersistentState<FleetState> state) : Grain, IFleetGrain
{
    public async Task AddAsync(string mac)
    {
        if (state.State.Alive.Add(mac))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string mac)
    {
        if (state.State.Alive.Remove(mac))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Alive.Order()]);

    public async Task<int> WatchAllAsync()
    {
        var macs = state.State.Alive.ToList();
        foreach (var batch in macs.Chunk(256))
        {
            await Task.WhenAll(batch.Select(mac => GrainFactory.GetGrain<IEcuGrain>(mac).WatchAsync()));
        }

        return macs.Count;
    }
}

[GenerateSerializer, Alias("OrleansCms.FleetState")]
public sealed class FleetState
{
    [Id(0)]
    public HashSet<string> Alive { get; set; } = [];
}
