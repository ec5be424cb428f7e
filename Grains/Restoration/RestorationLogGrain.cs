using OrleansCms.Storage;

namespace OrleansCms.Restoration;

/// <summary>
/// The latest restorations for the API. Updated in memory at once and written at most every half second;
/// a lost update is repaired by the restoration's next one.
/// </summary>
public sealed class RestorationLogGrain(
    [PersistentState("restorations", CmsStorageOptions.GrainStorageName)] IPersistentState<RestorationLogState> state) : Grain, IRestorationLogGrain
{
    private const int Kept = 500;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(500);
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions { DueTime = FlushInterval, Period = FlushInterval });
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    public Task RecordAsync(RestorationView view)
    {
        var views = state.State.Views;
        var index = views.FindIndex(v => v.Id == view.Id);
        if (index >= 0)
        {
            views[index] = view;
        }
        else
        {
            views.Add(view);
            if (views.Count > Kept)
            {
                views.Remove(views.MinBy(v => v.StartedAt)!);
            }
        }

        _dirty = true;
        return Task.CompletedTask;
    }

    public Task ResumeUnfinishedAsync() => Task.WhenAll(state.State.Views
        .Where(v => v.FinishedAt is null)
        .Select(v => GrainFactory.GetGrain<IRestorationGrain>(v.Id).GetAsync()));

    public Task<IReadOnlyList<RestorationView>> ListAsync() =>
        Task.FromResult<IReadOnlyList<RestorationView>>([.. state.State.Views.OrderByDescending(v => v.StartedAt)]);

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync(cancellationToken);
        }
    }
}

[GenerateSerializer, Alias("OrleansCms.RestorationLogState")]
public sealed class RestorationLogState
{
    [Id(0)]
    public List<RestorationView> Views { get; set; } = [];
}
