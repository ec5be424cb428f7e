using System.Globalization;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>
/// The decisions of one restoration, taken on its state: which programs to claim, place, send or stop next, which
/// version each is restored from, and what each answer means for its outcome. Plain logic: no grains, no I/O. The
/// grain makes the calls and persists the state after every step, before it acts on what was decided.
/// </summary>
/// <param name="state">The restoration's state, changed in place.</param>
/// <param name="id">The restoration's id: it holds the claims and names the commands.</param>
/// <param name="clock">Stamps the items' times and events.</param>
public sealed class RestorationPlan(RestorationState state, string id, TimeProvider clock)
{
    private const int EventsKept = 20;

    private RestorationRequest Request => state.Request!;

    /// <exception cref="ArgumentException">The request has no source MAC, a null program, or a program twice.</exception>
    public static void Validate(RestorationRequest? request)
    {
        if (request?.Programs is null || string.IsNullOrWhiteSpace(request.SourceMac) || request.Programs.Any(p => p?.Program is null)
            || request.Programs.Select(p => p.ProgramId).Distinct().Count() != request.Programs.Count)
        {
            throw new ArgumentException("A restoration needs a source MAC and distinct programs.", nameof(request));
        }
    }

    /// <summary>Takes the request, one pending item per program; false (and nothing changes) when it has one already.</summary>
    public bool Begin(RestorationRequest request)
    {
        if (state.Request is not null)
        {
            return false;
        }

        state.Request = request;
        state.StartedAt = clock.GetUtcNow();
        state.Items = [.. request.Programs.Select(p => new RestorationItem(p.ProgramId, p.Program.Name, RestorationOutcome.Pending, Events: []))];
        state.FinishedAt = state.Items.Count == 0 ? state.StartedAt : null;
        return true;
    }

    /// <summary>The key of the source copy of item <paramref name="index"/>: the checkpoint grain that is claimed.</summary>
    public CheckpointKey SourceKey(int index) => new(Request.SourceMac, Request.Programs[index].ProgramId);

    /// <summary>Adds an event to item <paramref name="index"/>'s history (the last 20 are kept).</summary>
    public void Note(int index, string note) => Update(index, i => i, note);

    /// <summary>
    /// The programs to claim now: the pending ones of a failure or crash; a migration's only once it is placed, so that
    /// while no target has room its source copy keeps checkpointing.
    /// </summary>
    public IReadOnlyList<int> ToClaim() => Indexes(i => i.ClaimedAt is null
        && i.Outcome == (Request.Kind == RestorationKind.Migration ? RestorationOutcome.Assigned : RestorationOutcome.Pending));

    /// <summary>
    /// Another restoration holds the copy: it carries the copy on (a migration gives up instead, and the source
    /// copy runs on). Either way this restoration has nothing to stop.
    /// </summary>
    public void ClaimRefused(int index, string holder)
    {
        var outcome = Request.Kind == RestorationKind.Migration ? RestorationOutcome.Abandoned : RestorationOutcome.HandedOver;
        Update(index, i => i with { Outcome = outcome, SourceStopped = true, Detail = $"held by {holder}" }, $"{SourceKey(index)} is held by {holder}");
    }

    /// <summary>
    /// Whether a migration goes on to claim its program: only with a checkpoint to move (a stored version, or the
    /// origin a restored copy started from). Otherwise it is abandoned before anything is claimed, so the source
    /// copy runs on untouched.
    /// </summary>
    public bool KeepMigrating(int index, bool hasStoredVersion)
    {
        if (hasStoredVersion || Request.Programs[index].Origin is not null)
        {
            return true;
        }

        Update(index, i => i with { Outcome = RestorationOutcome.Abandoned, SourceStopped = true, Detail = "the program has no checkpoint to migrate from" },
            "abandoned: no checkpoint");
        return false;
    }

    /// <summary>
    /// Records the claim and chooses the version to restore from: the newest of <paramref name="versions"/>, else
    /// the origin's. False when there is none: the item ends as <see cref="RestorationOutcome.NoCheckpoint"/>.
    /// </summary>
    public bool ChooseVersion(int index, IReadOnlyList<CheckpointManifest> versions) => Choose(index, versions, newerThan: null);

    /// <summary>
    /// After the version read was corrupt: the next older version of the source copy (when that is what was read,
    /// from <paramref name="sourceVersions"/>, the versions its claim holds), else the origin's once. False when
    /// nothing is left: the item ends as <see cref="RestorationOutcome.NoCheckpoint"/>.
    /// </summary>
    public bool ChooseOlderVersion(int index, IReadOnlyList<CheckpointManifest> sourceVersions)
    {
        var item = state.Items[index];
        return Choose(index, item.ReadFrom == SourceKey(index).ToString() ? sourceVersions : [], newerThan: item.Version);
    }

    /// <summary>The programs that wait for a target: claimed ones, and a migration's before its claim.</summary>
    public IReadOnlyList<int> ToPlace() => Indexes(i => i.Outcome == RestorationOutcome.Pending
        && (i.ClaimedAt is not null || Request.Kind == RestorationKind.Migration));

    /// <summary>
    /// Chooses a target for every program of <see cref="ToPlace"/>: those some target already refused one by one,
    /// among the candidates that did not, all others as one batch. A placed program gets a new command id and a new,
    /// greater fencing token; each attempt has its own, so a command goes to one target only. Returns the programs
    /// that stay pending for a new reason, with that reason.
    /// </summary>
    /// <param name="policy">The placement rules.</param>
    /// <param name="checkpointBytes">Per item, the size of the version it restores; 0 where it is unknown.</param>
    /// <param name="candidates">The ECUs that may take a program now.</param>
    public IReadOnlyList<(int ProgramId, string Reason)> Place(
        PlacementPolicy policy, IReadOnlyDictionary<int, long> checkpointBytes, IReadOnlyList<PlacementCandidate> candidates)
    {
        var requests = ToPlace().Select(index => (Index: index, Request: new PlacementRequest(
            Request.Programs[index].ProgramId.ToString(CultureInfo.InvariantCulture),
            Request.Programs[index].Program,
            checkpointBytes.GetValueOrDefault(index),
            ExcludeMac: Request.Kind == RestorationKind.Crash ? null : Request.SourceMac,
            // An operator's target, the crashed program's own ECU, or else where its standby keeps it warm.
            PreferredMac: Request.TargetMac ?? Request.Programs[index].StandbyMac))).ToList();

        var batch = requests.Where(r => !state.Excluded.ContainsKey(Request.Programs[r.Index].ProgramId)).ToList();
        var decisions = policy.PlaceBatch([.. batch.Select(r => r.Request)], candidates).Zip(batch, (d, r) => (r.Index, Decision: d)).ToList();
        foreach (var (index, request) in requests.Except(batch))
        {
            var excluded = state.Excluded[Request.Programs[index].ProgramId];
            decisions.Add((index, policy.PlaceBatch([request], [.. candidates.Where(c => !excluded.Contains(c.Mac))])[0]));
        }

        var now = clock.GetUtcNow();
        var pending = new List<(int, string)>();
        foreach (var (index, decision) in decisions)
        {
            if (decision.TargetMac is { } target)
            {
                var token = new FencingToken(Generation(index), ++state.Sequence);
                Update(index, i => i with
                {
                    Outcome = RestorationOutcome.Assigned,
                    TargetMac = target,
                    Attempts = i.Attempts + 1,
                    CommandId = $"{id}/{i.ProgramId}/{i.Attempts + 1}",
                    Token = token,
                    AssignedAt = now,
                    Detail = null,
                }, $"placed on {target} (token {token})");
            }
            else if (state.Items[index].Detail != decision.PendingReason)
            {
                Update(index, i => i with { Detail = decision.PendingReason }, $"pending: {decision.PendingReason}");
                pending.Add((state.Items[index].ProgramId, decision.PendingReason ?? ""));
            }
        }

        return pending;
    }

    /// <summary>The programs whose restore command is to be sent (again): placed and claimed.</summary>
    public IReadOnlyList<int> ToSend() => Indexes(i => i.Outcome == RestorationOutcome.Assigned && i.ClaimedAt is not null);

    /// <summary>The restore command of an assigned item, to restore <paramref name="manifest"/> of the copy it reads from.</summary>
    public RestoreCommand Command(int index, CheckpointManifest manifest)
    {
        var item = state.Items[index];
        return new RestoreCommand(item.CommandId!, CheckpointKey.Parse(item.ReadFrom!), manifest, Root(index),
            Fresh: item.Version == FreshVersion, Token: item.Token);
    }

    /// <summary>The logical program of item <paramref name="index"/>: the key of its first copy.</summary>
    public string Root(int index) => Request.Programs[index].Root(Request.SourceMac);

    /// <summary>
    /// The generation of this restoration's commands for item <paramref name="index"/>: one more than the token its
    /// source copy was started with (0 for a copy never restored), so that a later restoration of its lineage
    /// outranks every command of this one.
    /// </summary>
    public long Generation(int index) => (Request.Programs[index].Origin?.Token.Generation ?? 0) + 1;

    /// <summary>
    /// What an answer to item <paramref name="index"/>'s restore command means for it. A corrupt version sends it
    /// back to pending; the caller then claims again and calls <see cref="ChooseOlderVersion"/>. A refusal excludes
    /// that target for the program. Returns the successor to retire the source entry in favour of: the new copy of
    /// a failure or crash, which runs (or its failed target's restoration carries it on). A migration's source is
    /// stopped first (<see cref="ToStopSource"/>).
    /// </summary>
    public string? Record(int index, RestoreAnswer answer)
    {
        var item = state.Items[index];
        var migration = Request.Kind == RestorationKind.Migration;
        switch (answer)
        {
            case RestoreAnswer.Started started:
                Update(index, i => i with
                {
                    Outcome = RestorationOutcome.Running,
                    TargetMac = started.Result.Mac,
                    NewProgramId = started.Result.ProgramId,
                    RunningAt = clock.GetUtcNow(),
                    SourceStopped = !migration,
                    Detail = null,
                }, $"running on {started.Result.Mac} as program {started.Result.ProgramId}");
                return migration ? null : new CheckpointKey(started.Result.Mac, started.Result.ProgramId).ToString();
            case RestoreAnswer.Corrupt corrupt:
                Update(index, i => i with { Outcome = RestorationOutcome.Pending }, $"v{item.Version} of {item.ReadFrom} is corrupt ({corrupt.Message})");
                return null;
            case RestoreAnswer.Refused refused:
                state.Excluded.TryAdd(item.ProgramId, []);
                state.Excluded[item.ProgramId].Add(item.TargetMac!);
                Update(index, i => i with { Outcome = RestorationOutcome.Pending, TargetMac = null, Detail = refused.Message }, $"{item.TargetMac} did not start it: {refused.Message}");
                return null;
            case RestoreAnswer.HandedOver handedOver:
                // The copy lives on through the failed target's restoration, so a migration's source copy must still
                // stop (ToStopSource); the source of a failure or crash is gone already.
                Update(index, i => i with
                {
                    Outcome = RestorationOutcome.HandedOver,
                    NewProgramId = handedOver.ProgramId,
                    SourceStopped = !migration,
                    Detail = $"started on {item.TargetMac} as program {handedOver.ProgramId}, which then failed; its restoration takes over",
                }, $"{item.TargetMac} failed after starting it as program {handedOver.ProgramId}");
                return migration ? null : new CheckpointKey(item.TargetMac!, handedOver.ProgramId).ToString();
            case RestoreAnswer.Superseded superseded:
                // A newer command owns the program: sending it anywhere else could start a second copy. A migration's
                // source copy runs on; it is not stopped.
                Update(index, i => i with
                {
                    Outcome = migration ? RestorationOutcome.Abandoned : RestorationOutcome.HandedOver,
                    SourceStopped = true,
                    Detail = $"superseded: {superseded.Message}",
                }, $"{item.TargetMac} refused token {item.Token} as stale: {superseded.Message}");
                return null;
            case RestoreAnswer.Retry retry when item.Detail != retry.Message:
                Update(index, i => i with { Detail = retry.Message }, retry.Message);
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// The migrated programs whose source copy is still to stop: only once the target confirmed the new copy, or
    /// registered it and then failed (its restoration carries the copy on).
    /// </summary>
    public IReadOnlyList<int> ToStopSource() =>
        Indexes(i => i.Outcome is RestorationOutcome.Running or RestorationOutcome.HandedOver && !i.SourceStopped);

    /// <summary>The copy that carries item <paramref name="index"/> on.</summary>
    public CheckpointKey Successor(int index) => new(state.Items[index].TargetMac!, state.Items[index].NewProgramId!.Value);

    /// <summary>The command that stops a migrated program's source copy, naming its successor.</summary>
    public StopCommand StopCommand(int index)
    {
        var successor = Successor(index);
        return new StopCommand($"{id}/stop", state.Items[index].ProgramId, $"migrated to {successor}", successor, state.Items[index].Token, Root(index));
    }

    /// <summary>The source copy of item <paramref name="index"/> is stopped, or gone with its ECU.</summary>
    public void SourceStopped(int index, string note) => Update(index, i => i with { SourceStopped = true }, note);

    /// <summary>Why the source entries are retired, as the source catalogue shows it.</summary>
    public string RetireReason => $"{Request.Kind.ToString().ToLowerInvariant()} {id}";

    /// <summary>
    /// Whether restore commands may go out: not before the request's <see cref="RestorationRequest.NotBefore"/> (a
    /// failed ECU's lease is over by then, so its agent, if it runs, has frozen its copies). Claims and placement
    /// may go ahead meanwhile.
    /// </summary>
    public bool MayStartCopies() => Request.NotBefore is not { } notBefore || clock.GetUtcNow() >= notBefore;

    /// <summary>Marks the restoration finished when nothing is left to do for any program; true when it did.</summary>
    public bool Finish()
    {
        if (!state.Items.All(i => i.IsDone))
        {
            return false;
        }

        state.FinishedAt = clock.GetUtcNow();
        return true;
    }

    /// <summary>How many programs ended how, e.g. <c>2 Running, 1 NoCheckpoint</c>.</summary>
    public string Summary() => string.Join(", ", state.Items.GroupBy(i => i.Outcome).Select(g => $"{g.Count()} {g.Key}"));

    /// <summary>The restoration as the API shows it; <paramref name="runsOn"/> names the silo working on it.</summary>
    public RestorationView View(string? runsOn) =>
        new(id, Request.Kind, Request.SourceMac, Request.Reason, state.StartedAt, state.FinishedAt, [.. state.Items], runsOn);

    /// <summary>Newest version (older than <paramref name="newerThan"/> when that one was corrupt), else the origin's.</summary>
    private bool Choose(int index, IReadOnlyList<CheckpointManifest> versions, long? newerThan)
    {
        var entry = Request.Programs[index];
        var key = SourceKey(index);
        var now = clock.GetUtcNow();
        if (versions.FirstOrDefault(v => newerThan is null || v.Version < newerThan) is { } newest)
        {
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, ReadFrom = key.ToString(), Version = newest.Version, TargetMac = KeptTarget(i) },
                $"claimed; restoring {key} v{newest.Version}");
            return true;
        }

        if (entry.Origin is { Version: > 0 } origin && state.Items[index].ReadFrom != origin.Source.ToString())
        {
            // A restored copy that had not checkpointed yet continues from the state it was started with.
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, ReadFrom = origin.Source.ToString(), Version = origin.Version, TargetMac = KeptTarget(i) },
                $"claimed; {key} has no usable checkpoint, restoring its origin {origin.Source} v{origin.Version}");
            return true;
        }

        if (newerThan is null && versions.Count == 0 && entry.Origin is not { Version: > 0 } && entry.Program.Command is { Count: > 0 })
        {
            // It never checkpointed (nor did the copy it was restored from): it starts again from its declaration,
            // as on its first start. Losing it to a false failure would be worse than losing its few seconds of state.
            // (A program declared without a command cannot be started from its declaration.)
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, ReadFrom = key.ToString(), Version = FreshVersion, TargetMac = KeptTarget(i) },
                $"claimed; {key} never checkpointed: restarting it from its declaration");
            return true;
        }

        Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, Outcome = RestorationOutcome.NoCheckpoint, SourceStopped = true, Detail = "no usable checkpoint" },
            "nothing to restore from: no usable checkpoint");
        return false;
    }

    // A migration claims once placed and keeps that target; a version chosen again (after a corrupt one) is placed anew.
    private static string? KeptTarget(RestorationItem item) => item.ClaimedAt is null ? item.TargetMac : null;

    /// <summary>The version an item restores from when it restarts a program from its declaration.</summary>
    public const long FreshVersion = 0;

    /// <summary>What a restart from the declaration sends in place of a stored version: the program and no state.</summary>
    public CheckpointManifest FreshManifest(int index) =>
        new(FreshVersion, 0, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ReadOnlySpan<byte>.Empty)), [],
            Request.Programs[index].Program, clock.GetUtcNow());

    private void Update(int index, Func<RestorationItem, RestorationItem> change, string? note = null)
    {
        var item = change(state.Items[index]);
        if (note is not null)
        {
            var events = (item.Events ?? []).Append($"{clock.GetUtcNow():HH:mm:ss.fff} {note}").TakeLast(EventsKept);
            item = item with { Events = [.. events] };
        }

        state.Items[index] = item;
    }

    private List<int> Indexes(Func<RestorationItem, bool> predicate) =>
        [.. Enumerable.Range(0, state.Items.Count).Where(i => predicate(state.Items[i]))];
}
