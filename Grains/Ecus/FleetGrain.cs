using OrleansCms.Storage;

namespace OrleansCms.Ecus;

/// <summary>
/// Changes are applied in memory at once and written in one batch every quarter second, so a fleet of
/// thousands registering together costs a few writes, not one per ECU.
/// </summary>
public sealed class FleetGrain(
    [PersistentState("fleet", CmsStorageOptions.GrainStorageName)] IPersistentState<FleetState> state) : Grain, IFleetGrain
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions { DueTime = FlushInterval, Period = FlushInterval });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    public Task AddAsync(string mac)
    {
        _dirty |= state.State.Alive.Add(mac) | state.State.Known.Add(mac);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string mac)
    {
        _dirty |= state.State.Alive.Remove(mac);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Alive.Order()]);

    public Task<IReadOnlyList<string>> ListKnownAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Known.Order()]);

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync(cancellationToken);
        }
    }

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

    /// <summary>Every ECU that was ever alive (failed and retired ones included), for the program lineage.</summary>
    [Id(1)]
    public HashSet<string> Known { get; set; } = [];
}
