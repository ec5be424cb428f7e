using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCms.Storage;
using OrleansCms.Telemetry;

namespace OrleansCms.Restoration;

/// <summary>
/// Restores a set of programs exactly once. Each round claims the programs not yet claimed, places the claimed
/// ones that have no target, sends the restore commands and records what came back; every decision is persisted
/// before it is acted on, so a new activation (after its silo died) resumes where this one stopped.
/// Why nothing runs twice: a copy is restored only under its checkpoint grain's claim (one holder, for good);
/// a restore command id is sent to one target only and agents answer a repeated id with the same program; a
/// command is sent elsewhere only when its target refused it or failed without having registered it.
/// The steps are in RestorationGrain.Steps.cs.
/// </summary>
public sealed partial class RestorationGrain(
    [PersistentState("restoration", CmsStorageOptions.GrainStorageName)] IPersistentState<RestorationState> state,
    IOptions<RestorationOptions> options,
    PlacementPolicy placement,
    TimeProvider clock,
    DeepCopier<RestorationState> copier,
    CmsMetrics metrics,
    ILogger<RestorationGrain> logger) : Grain, IRestorationGrain, IRemindable
{
    private const string ResumeReminder = "resume";
    private const int EventsKept = 20;

    private readonly RestorationOptions _options = options.Value;
    private IGrainTimer? _rounds;
    private RestorationState _persisted = null!;
    private bool _reminderRegistered;

    private RestorationState State => state.State;

    private RestorationRequest Request => State.Request!;

    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted = copier.Copy(State);
        if (State.Request is not null && State.FinishedAt is null)
        {
            ScheduleRounds();
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(RestorationRequest request)
    {
        Validate(request);
        if (State.Request is null)
        {
            State.Request = request;
            State.StartedAt = clock.GetUtcNow();
            State.Items = [.. request.Programs.Select(p => new RestorationItem(p.ProgramId, p.Program.Name, RestorationOutcome.Pending, Events: []))];
            State.FinishedAt = State.Items.Count == 0 ? State.StartedAt : null;
            await WriteAsync();
            logger.RestorationStarted(Id, request.Kind, request.SourceMac, request.Programs.Count, request.Reason);
        }

        // A repeated start (the caller did not get the first answer) makes sure the rounds run in this activation:
        // the first start may have failed after its write, e.g. registering the reminder while a silo died.
        if (State.FinishedAt is null)
        {
            ScheduleRounds();
            await EnsureReminderAsync();
        }

        Publish();
    }

    public Task<RestorationView?> GetAsync() => Task.FromResult(State.Request is null ? null : View());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation already resumed the rounds; a finished restoration only needs its reminder gone.
        if (State.FinishedAt is not null && await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>The one-minute reminder resumes the rounds after this activation is gone; the rounds retry registering it.</summary>
    private async Task EnsureReminderAsync()
    {
        if (_reminderRegistered)
        {
            return;
        }

        try
        {
            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }
        catch (Exception e)
        {
            logger.ReminderNotRegistered(e, Id);
        }
    }

    private void ScheduleRounds() =>
        _rounds ??= this.RegisterGrainTimer(RunRoundAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.RetryInterval,
            KeepAlive = true,
        });

    private async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        if (State.FinishedAt is not null)
        {
            return;
        }

        await EnsureReminderAsync();
        await ClaimAsync();
        await PlaceAsync();
        await SendAsync();
        await StopMigratedSourcesAsync();
        if (State.Items.All(i => i.IsDone))
        {
            State.FinishedAt = clock.GetUtcNow();
            await WriteAsync();
            _rounds?.Dispose();
            _rounds = null;
            logger.RestorationFinished(Id, (State.FinishedAt.Value - State.StartedAt).TotalMilliseconds,
                string.Join(", ", State.Items.GroupBy(i => i.Outcome).Select(g => $"{g.Count()} {g.Key}")));
            await ReceiveReminder(ResumeReminder, default);
        }

        Publish();
    }

    /// <summary>Persists the state; a failed write puts back the last stored state (see <see cref="StateWrites"/>).</summary>
    private async Task WriteAsync() => _persisted = await state.WriteOrRevertAsync(_persisted, copier, onConflict: () =>
    {
        _rounds?.Dispose();
        _rounds = null;
        DeactivateOnIdle();
    });

    private void Update(int index, Func<RestorationItem, RestorationItem> change, string? note = null)
    {
        var item = change(State.Items[index]);
        if (note is not null)
        {
            var events = (item.Events ?? []).Append($"{clock.GetUtcNow():HH:mm:ss.fff} {note}").TakeLast(EventsKept);
            item = item with { Events = [.. events] };
        }

        State.Items[index] = item;
    }

    private void Publish() => GrainFactory.GetGrain<IRestorationLogGrain>(0).RecordAsync(View()).Ignore();

    private RestorationView View() =>
        new(Id, Request.Kind, Request.SourceMac, Request.Reason, State.StartedAt, State.FinishedAt, [.. State.Items], RuntimeIdentity);

    private static void Validate(RestorationRequest? request)
    {
        if (request?.Programs is null || string.IsNullOrWhiteSpace(request.SourceMac) || request.Programs.Any(p => p?.Program is null)
            || request.Programs.Select(p => p.ProgramId).Distinct().Count() != request.Programs.Count)
        {
            throw new ArgumentException("A restoration needs a source MAC and distinct programs.", nameof(request));
        }
    }
}
