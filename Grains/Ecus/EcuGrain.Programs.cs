using OrleansCms.Checkpoints;
using OrleansCms.Restoration;

namespace OrleansCms.Ecus;

/// <summary>The program catalogue of an ECU, and the restorations it decides (crash, migration, failure).</summary>
public sealed partial class EcuGrain
{
    // Ended entries kept for the dashboard and lineage; active ones are never trimmed.
    private const int EndedEntriesKept = 100;

    // A restoration that could not be started (its grain was placed on a silo that had just died) is sent again
    // this often while the grain lives; the one-minute reminder only covers a grain that is not active.
    private static readonly TimeSpan OutboxRetryInterval = TimeSpan.FromSeconds(1);

    public async Task<int> AddProgramAsync(ProgramEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ValidateProgram(entry);
        if (entry.Origin?.CommandId is { } command && State.Catalogue.Find(p => p.Origin?.CommandId == command) is { } registered)
        {
            // The agent repeated a restore command (its first answer was lost): the first registration stands.
            return registered.Status == ProgramEntryStatus.Active
                ? registered.ProgramId
                : throw new InvalidOperationException($"program {registered.ProgramId} on ECU {Mac()} is already {registered.Status}.");
        }

        if (entry.Origin is null && State.Catalogue.Find(p => p.ProgramId == entry.ProgramId) is { Origin: null, Status: ProgramEntryStatus.Active } same
            && same.Program.Name == entry.Program.Name)
        {
            // The agent repeated a declared program's registration with the ID it reserved for it (its first answer was
            // lost): answering it again keeps one entry, rather than leaving one that no process backs.
            return same.ProgramId;
        }

        if (State.Status != EcuStatus.Alive)
        {
            throw new ProgramNotRegisteredException(State.Status, $"ECU {Mac()} is {State.Status}; it cannot start programs until it has rejoined.");
        }

        if (entry.ProgramId < State.NextProgramId || State.Catalogue.Exists(p => p.ProgramId == entry.ProgramId))
        {
            throw new ArgumentException($"program ID {entry.ProgramId} was used on ECU {Mac()} before; use {State.NextProgramId} or higher.", nameof(entry));
        }

        State.Catalogue.Add(entry with { Status = ProgramEntryStatus.Active, StartedAt = clock.GetUtcNow() });
        State.NextProgramId = entry.ProgramId + 1;
        await WriteAsync();
        return entry.ProgramId;
    }

    public async Task EndProgramAsync(int programId, ProgramEntryStatus status, string reason, string? successor = null)
    {
        if (status is ProgramEntryStatus.Active or ProgramEntryStatus.Crashed || !Enum.IsDefined(status))
        {
            throw new ArgumentException($"{status} is not an end state; use Stopped, Retired or Abandoned.", nameof(status));
        }

        var index = State.Catalogue.FindIndex(p => p.ProgramId == programId);
        if (index < 0 || State.Catalogue[index].Status == status && State.Catalogue[index].Successor == successor)
        {
            return;
        }

        State.Catalogue[index] = State.Catalogue[index] with
        {
            Status = status,
            Successor = successor ?? State.Catalogue[index].Successor,
            EndedAt = State.Catalogue[index].EndedAt ?? clock.GetUtcNow(),
            EndReason = reason,
        };
        TrimEndedEntries();
        await WriteAsync();
    }

    public async Task<string> ReportCrashAsync(int programId, string detail)
    {
        var id = $"crash:{Mac()}:{programId}";
        var entry = State.Catalogue.Find(p => p.ProgramId == programId)
            ?? throw new ArgumentException($"ECU {Mac()} has no program {programId}.", nameof(programId));
        if (entry.Status == ProgramEntryStatus.Crashed)
        {
            return id;
        }

        if (entry.Status != ProgramEntryStatus.Active || State.Status != EcuStatus.Alive)
        {
            throw new InvalidOperationException($"program {programId} on ECU {Mac()} is {entry.Status} and the ECU {State.Status}; there is nothing to restore.");
        }

        MarkCrashed(entry, detail);
        await WriteAsync();
        await DispatchOutboxAsync();
        return id;
    }

    /// <summary>Marks a program crashed and queues its restoration (preferably on this ECU); the caller writes the state.</summary>
    private void MarkCrashed(ProgramEntry entry, string detail)
    {
        Replace(entry with { Status = ProgramEntryStatus.Crashed, EndedAt = clock.GetUtcNow(), EndReason = detail });
        State.Outbox[$"crash:{Mac()}:{entry.ProgramId}"] =
            new RestorationRequest(RestorationKind.Crash, Mac(), [entry], $"program crashed: {detail}", TargetMac: Mac());
        logger.ProgramCrashed(Mac(), entry.ProgramId, entry.Program.Name, detail);
    }

    public async Task<string> RequestMigrationAsync(int programId, string? targetMac)
    {
        var target = targetMac is null ? null
            : MacAddress.TryNormalize(targetMac, out var canonical) ? canonical
            : throw new ArgumentException($"'{targetMac}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");
        var entry = State.Catalogue.Find(p => p.ProgramId == programId && p.Status == ProgramEntryStatus.Active)
            ?? throw new ArgumentException($"ECU {Mac()} runs no program {programId}.");
        if (State.Status != EcuStatus.Alive || target == Mac())
        {
            throw new InvalidOperationException(target == Mac()
                ? $"program {programId} already runs on {target}."
                : $"ECU {Mac()} is {State.Status}; only programs of an alive ECU migrate.");
        }

        var id = $"migration:{Mac()}:{programId}:{++State.MigrationCount}";
        State.Outbox[id] = new RestorationRequest(RestorationKind.Migration, Mac(), [entry], "migration requested", target);
        await WriteAsync();
        await DispatchOutboxAsync();
        return id;
    }

    public Task<ProgramEntry?> FindByCommandAsync(string commandId) =>
        Task.FromResult(State.Catalogue.Find(p => p.Origin?.CommandId == commandId));

    /// <summary>Starts every decided restoration; one that fails stays in the outbox for the next activation or reminder.</summary>
    private async Task DispatchOutboxAsync()
    {
        if (State.Outbox.Count == 0)
        {
            return;
        }

        var started = new List<string>();
        foreach (var (id, request) in State.Outbox)
        {
            try
            {
                await GrainFactory.GetGrain<IRestorationGrain>(id).StartAsync(request);
                started.Add(id);
            }
            catch (Exception e)
            {
                logger.RestorationStartFailed(e, id);
            }
        }

        if (started.Count > 0)
        {
            started.ForEach(id => State.Outbox.Remove(id));
            await WriteAsync();
        }

        if (State.Outbox.Count > 0)
        {
            // Retried every second while this activation lives (PostgreSQL may be briefly away), and by the
            // reminder if its silo dies.
            _outboxRetry ??= this.RegisterGrainTimer(_ => RetryOutboxAsync(), new GrainTimerCreationOptions
            {
                DueTime = OutboxRetryInterval,
                Period = OutboxRetryInterval,
                KeepAlive = true,
            });
            await this.RegisterOrUpdateReminder(SafetyNetReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        else
        {
            _outboxRetry?.Dispose();
            _outboxRetry = null;
        }
    }

    private async Task RetryOutboxAsync()
    {
        if (State.Outbox.Count == 0)
        {
            _outboxRetry?.Dispose();
            _outboxRetry = null;
            return;
        }

        await DispatchOutboxAsync();
    }

    private void AbandonActivePrograms(string reason)
    {
        foreach (var entry in State.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).ToList())
        {
            Replace(entry with { Status = ProgramEntryStatus.Abandoned, EndedAt = clock.GetUtcNow(), EndReason = reason });
        }

        TrimEndedEntries();
    }

    private void Replace(ProgramEntry entry) =>
        State.Catalogue[State.Catalogue.FindIndex(p => p.ProgramId == entry.ProgramId)] = entry;

    private void TrimEndedEntries()
    {
        var ended = State.Catalogue.Where(p => p.Status != ProgramEntryStatus.Active).OrderBy(p => p.EndedAt).ToList();
        foreach (var old in ended.Take(Math.Max(0, ended.Count - EndedEntriesKept)))
        {
            State.Catalogue.Remove(old);
        }
    }

    private static void ValidateProgram(ProgramEntry entry)
    {
        // int.MaxValue is refused too: the ECU's next free program ID must exist.
        if (entry.ProgramId is < 0 or int.MaxValue || entry.Program is null || string.IsNullOrWhiteSpace(entry.Program.Name) || entry.Program.RamBytes <= 0)
        {
            throw new ArgumentException($"A program needs an ID from 0 to {int.MaxValue - 1}, a name and RAM > 0.", nameof(entry));
        }

        // The same rule its checkpoints are held to: a program declared otherwise could never store one.
        if (RealTimeDemand.Problem(entry.Program) is { } problem)
        {
            throw new ArgumentException($"Program '{entry.Program.Name}' {problem}.", nameof(entry));
        }
    }
}
