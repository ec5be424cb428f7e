using OrleansCms.Checkpoints;
using OrleansCms.Restoration;

namespace OrleansCms.Ecus;

/// <summary>
/// The program catalogue of one ECU: which programs it runs, which IDs it has used, how an entry ends, and the
/// restorations the catalogue decides (a crashed program, a migration), queued in the ECU's outbox. Plain logic on
/// the ECU's state; the grain persists it and then starts what the outbox holds.
/// </summary>
/// <param name="state">The ECU's state, changed in place.</param>
/// <param name="key">The ECU grain's key; where its MAC is needed, a key that is no canonical MAC is refused (<see cref="EcuKey"/>).</param>
/// <param name="clock">Stamps when entries start and end.</param>
public sealed class ProgramCatalogue(EcuState state, string key, TimeProvider clock)
{
    // Ended entries kept for the dashboard and lineage; active ones are never trimmed.
    private const int EndedEntriesKept = 100;

    // Fencing marks kept, the newest; a logical program that left this ECU that long ago is only fenced by its claims.
    private const int FencesKept = 1000;

    private string Mac => EcuKey.Mac(key);

    // A List, not a collection expression: a failure's restoration request stores it, and the stored type stays the one it always was.

    /// <summary>The programs that run (as far as the CMS knows), as a list of its own.</summary>
    public IReadOnlyList<ProgramEntry> Active() => state.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).ToList();

    /// <summary>The entry a restore command registered, if any.</summary>
    public ProgramEntry? FindByCommand(string commandId) => state.Catalogue.Find(p => p.Origin?.CommandId == commandId);

    /// <summary>
    /// A program needs an ID from 0 to <see cref="int.MaxValue"/> − 1 (the ECU's next free ID must exist), a name,
    /// RAM and a timing its checkpoints could be stored with.
    /// </summary>
    /// <exception cref="ArgumentException">It does not.</exception>
    public static void Validate(ProgramEntry entry)
    {
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

    /// <summary>
    /// Adds a program an agent is about to start, under an ID the ECU never used, and returns its ID; a repeated
    /// registration (the agent's first answer was lost) returns the first one's ID and adds nothing.
    /// </summary>
    /// <returns>The program's ID, and whether it was added (the state changed).</returns>
    /// <exception cref="ArgumentException">The entry is invalid or its ID was used before.</exception>
    /// <exception cref="ProgramNotRegisteredException">The ECU is not alive.</exception>
    /// <exception cref="InvalidOperationException">A repeated restore command whose program has ended meanwhile.</exception>
    /// <exception cref="StaleCommandException">A restore command older than one registered for the same logical program.</exception>
    public (int ProgramId, bool Added) Add(ProgramEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Validate(entry);
        if (entry.Origin?.CommandId is { } command && FindByCommand(command) is { } registered)
        {
            // The agent repeated a restore command (its first answer was lost): the first registration stands.
            return registered.Status == ProgramEntryStatus.Active
                ? (registered.ProgramId, false)
                : throw new InvalidOperationException($"program {registered.ProgramId} on ECU {Mac} is already {registered.Status}.");
        }

        if (entry.Origin is null && state.Catalogue.Find(p => p.ProgramId == entry.ProgramId) is { Origin: null, Status: ProgramEntryStatus.Active } same
            && same.Program.Name == entry.Program.Name)
        {
            // The agent repeated a declared program's registration with the ID it reserved for it (its first answer was
            // lost): answering it again keeps one entry, rather than leaving one that no process backs.
            return (same.ProgramId, false);
        }

        if (state.Status != EcuStatus.Alive)
        {
            throw new ProgramNotRegisteredException(state.Status, $"ECU {Mac} is {state.Status}; it cannot start programs until it has rejoined.");
        }

        if (entry.ProgramId < state.NextProgramId || state.Catalogue.Exists(p => p.ProgramId == entry.ProgramId))
        {
            throw new ArgumentException($"program ID {entry.ProgramId} was used on ECU {Mac} before; use {state.NextProgramId} or higher.", nameof(entry));
        }

        if (entry.Origin is { } origin && origin.Token != FencingToken.None)
        {
            // Checked and recorded in the same turn as the entry is added, so two commands cannot both pass.
            if (state.Fences.GetValueOrDefault(origin.Root) is { } newest && newest.Refuses(origin.Token, origin.CommandId))
            {
                throw new StaleCommandException(origin.Root, origin.Token, newest.Token, newest.CommandId);
            }

            state.Fences[origin.Root] = new FencingMark(origin.Token, origin.CommandId, clock.GetUtcNow());
            TrimFences();
        }

        // The standby is the CMS's choice, never the agent's.
        state.Catalogue.Add(entry with { Status = ProgramEntryStatus.Active, StartedAt = clock.GetUtcNow(), StandbyMac = null });
        state.NextProgramId = entry.ProgramId + 1;
        return (entry.ProgramId, true);
    }

    /// <summary>
    /// Records the planned standby of each active program named in <paramref name="standbys"/> (and of ended ones with
    /// <paramref name="includeEnded"/>, to clear theirs); returns whether any changed.
    /// </summary>
    public bool SetStandbys(IReadOnlyDictionary<int, string?> standbys, bool includeEnded = false)
    {
        var changed = false;
        for (var i = 0; i < state.Catalogue.Count; i++)
        {
            var entry = state.Catalogue[i];
            if ((includeEnded || entry.Status == ProgramEntryStatus.Active) && standbys.TryGetValue(entry.ProgramId, out var mac) && entry.StandbyMac != mac)
            {
                state.Catalogue[i] = entry with { StandbyMac = mac };
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// Ends an entry (stopped, retired in favour of <paramref name="successor"/>, abandoned); the first end time
    /// stays. An unknown program, or an end already recorded, changes nothing.
    /// </summary>
    /// <returns>Whether the state changed.</returns>
    /// <exception cref="ArgumentException"><paramref name="status"/> is no end state.</exception>
    public bool End(int programId, ProgramEntryStatus status, string reason, string? successor)
    {
        if (status is ProgramEntryStatus.Active or ProgramEntryStatus.Crashed || !Enum.IsDefined(status))
        {
            throw new ArgumentException($"{status} is not an end state; use Stopped, Retired or Abandoned.", nameof(status));
        }

        var index = state.Catalogue.FindIndex(p => p.ProgramId == programId);
        if (index < 0 || state.Catalogue[index].Status == status && state.Catalogue[index].Successor == successor)
        {
            return false;
        }

        state.Catalogue[index] = state.Catalogue[index] with
        {
            Status = status,
            Successor = successor ?? state.Catalogue[index].Successor,
            EndedAt = state.Catalogue[index].EndedAt ?? clock.GetUtcNow(),
            EndReason = reason,
        };
        TrimEndedEntries();
        return true;
    }

    /// <summary>
    /// An agent reports that a program exited unexpectedly: it is marked crashed and its restoration queued
    /// (<see cref="MarkCrashed"/>). A repeated report changes nothing.
    /// </summary>
    /// <returns>The restoration's id, and the crashed entry when it was marked now (null for a repeat).</returns>
    /// <exception cref="ArgumentException">The ECU has no such program.</exception>
    /// <exception cref="InvalidOperationException">The program has ended, or the ECU is not alive: there is nothing to restore.</exception>
    public (string RestorationId, ProgramEntry? Crashed) ReportCrash(int programId, string detail)
    {
        var id = CrashId(programId);
        var entry = state.Catalogue.Find(p => p.ProgramId == programId)
            ?? throw new ArgumentException($"ECU {Mac} has no program {programId}.", nameof(programId));
        if (entry.Status == ProgramEntryStatus.Crashed)
        {
            return (id, null);
        }

        if (entry.Status != ProgramEntryStatus.Active || state.Status != EcuStatus.Alive)
        {
            throw new InvalidOperationException($"program {programId} on ECU {Mac} is {entry.Status} and the ECU {state.Status}; there is nothing to restore.");
        }

        return (id, MarkCrashed(entry, detail));
    }

    /// <summary>Marks a program crashed and queues its restoration, preferably on this ECU; returns the crashed entry.</summary>
    public ProgramEntry MarkCrashed(ProgramEntry entry, string detail)
    {
        var crashed = entry with { Status = ProgramEntryStatus.Crashed, EndedAt = clock.GetUtcNow(), EndReason = detail };
        Replace(crashed);
        state.Outbox[CrashId(entry.ProgramId)] =
            new RestorationRequest(RestorationKind.Crash, Mac, [entry], $"program crashed: {detail}", TargetMac: Mac);
        return crashed;
    }

    /// <summary>
    /// Queues the migration of an active program of this alive ECU, to <paramref name="targetMac"/> or the best ECU
    /// (null), and returns its id; each request is a migration of its own.
    /// </summary>
    /// <exception cref="ArgumentException">The target is no MAC, or the ECU runs no such program.</exception>
    /// <exception cref="InvalidOperationException">The ECU is not alive, or the target is this ECU.</exception>
    public string RequestMigration(int programId, string? targetMac)
    {
        var target = targetMac is null ? null
            : MacAddress.TryNormalize(targetMac, out var canonical) ? canonical
            : throw new ArgumentException($"'{targetMac}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");
        var entry = state.Catalogue.Find(p => p.ProgramId == programId && p.Status == ProgramEntryStatus.Active)
            ?? throw new ArgumentException($"ECU {Mac} runs no program {programId}.");
        if (state.Status != EcuStatus.Alive || target == Mac)
        {
            throw new InvalidOperationException(target == Mac
                ? $"program {programId} already runs on {target}."
                : $"ECU {Mac} is {state.Status}; only programs of an alive ECU migrate.");
        }

        var id = $"migration:{Mac}:{programId}:{++state.MigrationCount}";
        state.Outbox[id] = new RestorationRequest(RestorationKind.Migration, Mac, [entry], "migration requested", target);
        return id;
    }

    /// <summary>
    /// Ends every active entry as abandoned (its ECU was retired, or rejoined after it was fenced), but those that
    /// <paramref name="keep"/> selects.
    /// </summary>
    public void AbandonActive(string reason, Func<ProgramEntry, bool>? keep = null)
    {
        foreach (var entry in Active().Where(entry => keep?.Invoke(entry) != true))
        {
            Replace(entry with { Status = ProgramEntryStatus.Abandoned, EndedAt = clock.GetUtcNow(), EndReason = reason });
        }

        TrimEndedEntries();
    }

    private string CrashId(int programId) => $"crash:{Mac}:{programId}";

    private void Replace(ProgramEntry entry) =>
        state.Catalogue[state.Catalogue.FindIndex(p => p.ProgramId == entry.ProgramId)] = entry;

    private void TrimFences()
    {
        foreach (var (root, _) in state.Fences.OrderBy(f => f.Value.At).Take(Math.Max(0, state.Fences.Count - FencesKept)).ToList())
        {
            state.Fences.Remove(root);
        }
    }

    private void TrimEndedEntries()
    {
        var ended = state.Catalogue.Where(p => p.Status != ProgramEntryStatus.Active).OrderBy(p => p.EndedAt).ToList();
        foreach (var old in ended.Take(Math.Max(0, ended.Count - EndedEntriesKept)))
        {
            state.Catalogue.Remove(old);
        }
    }
}
