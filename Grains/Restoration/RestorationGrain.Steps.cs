using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>The steps of a restoration round: claim, place, send, stop a migration's source.</summary>
public sealed partial class RestorationGrain
{
    private readonly Dictionary<string, CheckpointManifest> _manifests = [];

    /// <summary>Claims every program not yet claimed and picks the version to restore from.</summary>
    private async Task ClaimAsync()
    {
        var toClaim = Indexes(i => i.Outcome == RestorationOutcome.Pending && i.ClaimedAt is null);
        if (toClaim.Count == 0)
        {
            return;
        }

        // All at once: each claim is a state write of its own program's grain. The grain's turns still run one at
        // a time, so the updates below never interleave within one item.
        await Task.WhenAll(toClaim.Select(ClaimOneAsync));
        await WriteAsync();
    }

    private async Task ClaimOneAsync(int index)
    {
        var entry = Request.Programs[index];
        var key = new CheckpointKey(Request.SourceMac, entry.ProgramId);
        var grain = GrainFactory.GetGrain<ICheckpointGrain>(key.ToString());
        if (Request.Kind == RestorationKind.Migration && !await PrepareMigrationAsync(index, entry, grain))
        {
            return;
        }

        if (Request.Kind == RestorationKind.Failure)
        {
            // An upload from the dead agent would hold the grain (and this claim) until its pull timed out.
            await grain.AbandonUploadAsync($"ECU {Request.SourceMac} was declared failed ({Id})");
        }

        var claim = await grain.ClaimAsync(Id);
        if (!claim.Granted)
        {
            var outcome = Request.Kind == RestorationKind.Migration ? RestorationOutcome.Abandoned : RestorationOutcome.HandedOver;
            Update(index, i => i with { Outcome = outcome, SourceStopped = true, Detail = $"held by {claim.Holder}" }, $"{key} is held by {claim.Holder}");
            return;
        }

        foreach (var manifest in claim.Versions)
        {
            _manifests[$"{key}@{manifest.Version}"] = manifest;
        }

        ChooseVersion(index, entry, claim.Versions, newerThan: null);
    }

    /// <summary>
    /// A migration first has the source take a fresh checkpoint. It is abandoned (before anything is claimed,
    /// so the source copy runs on untouched) when there is no checkpoint at all to move.
    /// </summary>
    private async Task<bool> PrepareMigrationAsync(int index, ProgramEntry entry, ICheckpointGrain grain)
    {
        var agent = await GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac).GetAgentAsync();
        try
        {
            var version = agent is null
                ? throw new InvalidOperationException("the source agent is not attached")
                : await AnsweredWhileAliveAsync(Request.SourceMac, agent.CheckpointNowAsync(entry.ProgramId), _options.FreshCheckpointTimeout);
            Update(index, i => i, $"fresh checkpoint v{version} acknowledged");
        }
        catch (Exception e)
        {
            Update(index, i => i, $"no fresh checkpoint ({e.Message}); using the newest stored one");
        }

        if ((await grain.GetVersionsAsync()).Count > 0 || entry.Origin is not null)
        {
            return true;
        }

        Update(index, i => i with { Outcome = RestorationOutcome.Abandoned, SourceStopped = true, Detail = "the program has no checkpoint to migrate from" },
            "abandoned: no checkpoint");
        return false;
    }

    /// <summary>Newest version (older than <paramref name="newerThan"/> when that one was corrupt), else the origin's.</summary>
    private void ChooseVersion(int index, ProgramEntry entry, IReadOnlyList<CheckpointManifest> versions, long? newerThan)
    {
        var key = new CheckpointKey(Request.SourceMac, entry.ProgramId);
        var now = clock.GetUtcNow();
        if (versions.FirstOrDefault(v => newerThan is null || v.Version < newerThan) is { } newest)
        {
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, ReadFrom = key.ToString(), Version = newest.Version, TargetMac = null },
                $"claimed; restoring {key} v{newest.Version}");
        }
        else if (entry.Origin is { } origin && State.Items[index].ReadFrom != origin.Source.ToString())
        {
            // A restored copy that had not checkpointed yet continues from the state it was started with.
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, ReadFrom = origin.Source.ToString(), Version = origin.Version, TargetMac = null },
                $"claimed; {key} has no usable checkpoint, restoring its origin {origin.Source} v{origin.Version}");
        }
        else
        {
            Update(index, i => i with { ClaimedAt = i.ClaimedAt ?? now, Outcome = RestorationOutcome.NoCheckpoint, SourceStopped = true, Detail = "no usable checkpoint" },
                "nothing to restore from: no usable checkpoint");
            logger.NothingToRestore(Id, key.ToString());
        }
    }

    /// <summary>Chooses a target for every claimed program that has none, and persists the choice before sending.</summary>
    private async Task PlaceAsync()
    {
        var toPlace = Indexes(i => i.Outcome == RestorationOutcome.Pending && i.ClaimedAt is not null);
        if (toPlace.Count == 0)
        {
            return;
        }

        var candidates = await CandidatesAsync();
        var requests = new List<(int Index, PlacementRequest Request)>();
        foreach (var index in toPlace)
        {
            var manifest = await ManifestAsync(State.Items[index]);
            requests.Add((index, new PlacementRequest(
                Request.Programs[index].ProgramId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Request.Programs[index].Program, manifest?.TotalSize ?? 0,
                ExcludeMac: Request.Kind == RestorationKind.Crash ? null : Request.SourceMac,
                PreferredMac: Request.TargetMac)));
        }

        // Programs some target already refused are placed one by one among the rest; all others as one batch.
        var batch = requests.Where(r => !State.Excluded.ContainsKey(Request.Programs[r.Index].ProgramId)).ToList();
        var decisions = placement.PlaceBatch([.. batch.Select(r => r.Request)], candidates).Zip(batch, (d, r) => (r.Index, d)).ToList();
        foreach (var (index, request) in requests.Except(batch))
        {
            var excluded = State.Excluded[Request.Programs[index].ProgramId];
            decisions.Add((index, placement.PlaceBatch([request], [.. candidates.Where(c => !excluded.Contains(c.Mac))])[0]));
        }

        var now = clock.GetUtcNow();
        foreach (var (index, decision) in decisions)
        {
            if (decision.TargetMac is { } target)
            {
                Update(index, i => i with
                {
                    Outcome = RestorationOutcome.Assigned,
                    TargetMac = target,
                    Attempts = i.Attempts + 1,
                    CommandId = $"{Id}/{i.ProgramId}/{i.Attempts + 1}",
                    AssignedAt = now,
                    Detail = null,
                }, $"placed on {target}");
            }
            else if (State.Items[index].Detail != decision.PendingReason)
            {
                Update(index, i => i with { Detail = decision.PendingReason }, $"pending: {decision.PendingReason}");
                logger.ProgramPending(Id, State.Items[index].ProgramId, decision.PendingReason ?? "");
            }
        }

        await WriteAsync();
    }

    /// <summary>Sends every assigned restore command (all at once) and records the answers.</summary>
    private async Task SendAsync()
    {
        var assigned = Indexes(i => i.Outcome == RestorationOutcome.Assigned);
        if (assigned.Count == 0)
        {
            return;
        }

        var answers = await Task.WhenAll(assigned.Select(async index => (Index: index, Answer: await SendOneAsync(index))));
        var retire = new List<(int ProgramId, string Successor)>();
        foreach (var (index, answer) in answers)
        {
            var item = State.Items[index];
            switch (answer)
            {
                case Started started:
                    var elapsed = clock.GetUtcNow() - State.StartedAt;
                    Update(index, i => i with
                    {
                        Outcome = RestorationOutcome.Running,
                        TargetMac = started.Result.Mac,
                        NewProgramId = started.Result.ProgramId,
                        RunningAt = clock.GetUtcNow(),
                        SourceStopped = Request.Kind != RestorationKind.Migration,
                        Detail = null,
                    }, $"running on {started.Result.Mac} as program {started.Result.ProgramId}");
                    logger.ProgramRestored(Id, item.ProgramId, item.Name, started.Result.Mac, started.Result.ProgramId, item.Version ?? 0, elapsed.TotalMilliseconds);
                    metrics.ProgramRestored(Request.Kind, elapsed);
                    if (Request.Kind != RestorationKind.Migration)
                    {
                        retire.Add((item.ProgramId, new CheckpointKey(started.Result.Mac, started.Result.ProgramId).ToString()));
                    }

                    break;
                case Corrupt corrupt:
                    logger.CorruptCheckpoint(Id, item.ReadFrom ?? "", item.Version ?? 0, corrupt.Message);
                    Update(index, i => i with { Outcome = RestorationOutcome.Pending }, $"v{item.Version} of {item.ReadFrom} is corrupt ({corrupt.Message})");
                    var claim = await GrainFactory.GetGrain<ICheckpointGrain>(new CheckpointKey(Request.SourceMac, item.ProgramId).ToString()).ClaimAsync(Id);
                    var versions = item.ReadFrom == new CheckpointKey(Request.SourceMac, item.ProgramId).ToString() ? claim.Versions : [];
                    ChooseVersion(index, Request.Programs[index], versions, newerThan: item.Version);
                    break;
                case Refused refused:
                    State.Excluded.TryAdd(item.ProgramId, []);
                    State.Excluded[item.ProgramId].Add(item.TargetMac!);
                    Update(index, i => i with { Outcome = RestorationOutcome.Pending, TargetMac = null, Detail = refused.Message }, $"{item.TargetMac} did not start it: {refused.Message}");
                    break;
                case HandedOver handedOver:
                    // The copy lives on through the failed target's restoration, so a migration's source copy must
                    // still stop (StopMigratedSourcesAsync); the source of a failure or crash is gone already.
                    Update(index, i => i with
                    {
                        Outcome = RestorationOutcome.HandedOver,
                        NewProgramId = handedOver.ProgramId,
                        SourceStopped = Request.Kind != RestorationKind.Migration,
                        Detail = $"started on {item.TargetMac} as program {handedOver.ProgramId}, which then failed; its restoration takes over",
                    }, $"{item.TargetMac} failed after starting it as program {handedOver.ProgramId}");
                    if (Request.Kind != RestorationKind.Migration)
                    {
                        retire.Add((item.ProgramId, new CheckpointKey(item.TargetMac!, handedOver.ProgramId).ToString()));
                    }

                    break;
                case Retry retry when item.Detail != retry.Message:
                    Update(index, i => i with { Detail = retry.Message }, retry.Message);
                    break;
            }
        }

        await WriteAsync();
        foreach (var (programId, successor) in retire)
        {
            await RetireSourceAsync(programId, successor);
        }
    }

    private async Task<SendAnswer> SendOneAsync(int index)
    {
        var item = State.Items[index];
        var ecu = GrainFactory.GetGrain<IEcuGrain>(item.TargetMac!);
        if (await ecu.GetAgentAsync() is not { } agent)
        {
            return await TargetUnavailableAsync(ecu, item, "its agent is not attached");
        }

        if (await ManifestAsync(item) is not { } manifest)
        {
            return new Corrupt($"version {item.Version} is no longer retained");
        }

        var entry = Request.Programs[index];
        try
        {
            var command = new RestoreCommand(item.CommandId!, CheckpointKey.Parse(item.ReadFrom!), manifest, entry.Root(Request.SourceMac));
            return new Started(await AnsweredWhileAliveAsync(item.TargetMac!, agent.RestoreAsync(command), _options.RestoreTimeout));
        }
        catch (RestoreRefusedException e) when (e.Refusal == RestoreRefusal.CorruptCheckpoint)
        {
            return new Corrupt(e.Message);
        }
        catch (RestoreRefusedException e)
        {
            // A refusal means nothing was registered, except after a repeat: a first attempt registered the copy, the
            // target was fenced and rejoined meanwhile, and the repeat found that entry ended. That copy was in the
            // failed target's catalogue, so its restoration carries it on; placing it elsewhere would run it twice.
            return await ecu.FindByCommandAsync(item.CommandId!) is { Status: not ProgramEntryStatus.Stopped } registered
                ? new HandedOver(registered.ProgramId)
                : new Refused(e.Message);
        }
        catch (Exception e)
        {
            return await TargetUnavailableAsync(ecu, item, e.Message);
        }
    }

    /// <summary>
    /// The target did not answer. While it lives, the same command is sent again (agents answer a repeated
    /// command id with the same program). Once it failed its catalogue is frozen: if the command registered a
    /// program there, that copy is its restoration's business; if not, the program may go elsewhere.
    /// </summary>
    private static async Task<SendAnswer> TargetUnavailableAsync(IEcuGrain ecu, RestorationItem item, string why)
    {
        var view = await ecu.GetAsync();
        if (view.Status == EcuStatus.Alive)
        {
            return new Retry($"waiting for {item.TargetMac}: {why}");
        }

        return await ecu.FindByCommandAsync(item.CommandId!) is { } started
            ? new HandedOver(started.ProgramId)
            : new Refused($"{item.TargetMac} is {view.Status} and never started it");
    }

    /// <summary>
    /// A migration stops its source copy only after the target confirmed the new one, or registered it and then
    /// failed (HandedOver: that target's restoration carries the copy on). A source that is no longer alive has
    /// nothing left to stop: its agent stops every old program when it comes back fenced.
    /// </summary>
    private async Task StopMigratedSourcesAsync()
    {
        var toStop = Indexes(i => i.Outcome is RestorationOutcome.Running or RestorationOutcome.HandedOver && !i.SourceStopped);
        if (toStop.Count == 0)
        {
            return;
        }

        var source = GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac);
        foreach (var index in toStop)
        {
            var item = State.Items[index];
            var successor = new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value);
            try
            {
                if (await source.GetAgentAsync() is { } agent)
                {
                    var stop = new StopCommand($"{Id}/stop", item.ProgramId, $"migrated to {successor}", successor);
                    await AnsweredWhileAliveAsync(Request.SourceMac, agent.StopProgramAsync(stop), _options.RestoreTimeout);
                    Update(index, i => i with { SourceStopped = true }, "source copy stopped");
                }
                else if ((await source.GetAsync()).Status != EcuStatus.Alive)
                {
                    Update(index, i => i with { SourceStopped = true }, "source ECU is gone; nothing to stop");
                }
                else
                {
                    continue; // alive, but its agent is reattaching: the next round asks again
                }
            }
            catch (EcuNotAliveException e)
            {
                Update(index, i => i with { SourceStopped = true }, $"source ECU is gone ({e.Message}); nothing to stop");
            }
            catch (Exception e)
            {
                Update(index, i => i, $"stopping the source copy failed ({e.Message}); retrying");
                continue;
            }

            await RetireSourceAsync(item.ProgramId, successor.ToString());
        }

        await WriteAsync();
    }

    private async Task RetireSourceAsync(int programId, string successor)
    {
        try
        {
            await GrainFactory.GetGrain<IEcuGrain>(Request.SourceMac)
                .EndProgramAsync(programId, ProgramEntryStatus.Retired, $"{Request.Kind.ToString().ToLowerInvariant()} {Id}", successor);
        }
        catch (Exception e)
        {
            // Only the catalogue's display depends on it: the claim already keeps the old copy from coming back.
            logger.RetireFailed(e, Id, programId);
        }
    }

    private async Task<IReadOnlyList<PlacementCandidate>> CandidatesAsync()
    {
        var macs = await GrainFactory.GetGrain<IFleetGrain>(0).ListAsync();
        var views = await Task.WhenAll(macs.Select(mac => GrainFactory.GetGrain<IEcuGrain>(mac).GetAsync()));
        var since = clock.GetUtcNow() - _options.CpuLoadAveraging;
        return [.. views
            .Where(v => v.Status == EcuStatus.Alive && v.AgentAttached && v.Registration is not null)
            .Select(v => new PlacementCandidate(
                v.Mac,
                v.Metrics?.RamTotalBytes ?? v.Registration!.RamBytes,
                v.Metrics?.RamUsedBytes ?? 0,
                AverageCpuLoad(v, since),
                v.Registration!.BesideCmsSilo,
                v.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).Sum(p => p.Program.Utilization)))];
    }

    /// <summary>The mean CPU load of the heartbeats since <paramref name="since"/>, or the latest one.</summary>
    private static double AverageCpuLoad(EcuView view, DateTimeOffset since)
    {
        var recent = view.Window.Where(s => s.At >= since).Select(s => Math.Clamp(s.Metrics.CpuLoad, 0, 1)).ToList();
        return recent.Count > 0 ? recent.Average() : Math.Clamp(view.Metrics?.CpuLoad ?? 0, 0, 1);
    }

    private async Task<CheckpointManifest?> ManifestAsync(RestorationItem item)
    {
        var cacheKey = $"{item.ReadFrom}@{item.Version}";
        if (!_manifests.TryGetValue(cacheKey, out var manifest))
        {
            var versions = await GrainFactory.GetGrain<ICheckpointGrain>(item.ReadFrom!).GetVersionsAsync();
            manifest = versions.FirstOrDefault(v => v.Version == item.Version);
            if (manifest is not null)
            {
                _manifests[cacheKey] = manifest;
            }
        }

        return manifest;
    }

    private List<int> Indexes(Func<RestorationItem, bool> predicate) =>
        [.. Enumerable.Range(0, State.Items.Count).Where(i => predicate(State.Items[i]))];

    private abstract record SendAnswer;

    private sealed record Started(RestoreResult Result) : SendAnswer;

    private sealed record Corrupt(string Message) : SendAnswer;

    private sealed record Refused(string Message) : SendAnswer;

    private sealed record HandedOver(int ProgramId) : SendAnswer;

    private sealed record Retry(string Message) : SendAnswer;
}
