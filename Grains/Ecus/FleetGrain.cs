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
        _dirty |= state.State.Alive.Add(mac) | state.State.Known.Add(mac) | state.State.Ended.Remove(mac);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string mac, EcuStatus status)
    {
        _dirty |= state.State.Alive.Remove(mac);
        if (state.State.Known.Contains(mac) && (!state.State.Ended.TryGetValue(mac, out var old) || old != status))
        {
            state.State.Ended[mac] = status;
            _dirty = true;
        }

        return Task.CompletedTask;
    }

    public Task<FleetCensus> CensusAsync()
    {
        var retired = state.State.Ended.Count(e => e.Value == EcuStatus.Retired && !state.State.Alive.Contains(e.Key));
        var alive = state.State.Alive.Count;
        // Known ECUs that are neither alive nor retired failed (those ended before the census existed included).
        return Task.FromResult(new FleetCensus(alive, state.State.Known.Count - alive - retired, retired));
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

    /// <summary>How each known ECU that is not alive ended (failed or retired), for the census.</summary>
    [Id(2)]
    public Dictionary<string, EcuStatus> Ended { get; set; } = [];
}
