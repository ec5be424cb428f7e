using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Finds out whether a program's checkpoints are still needed, by asking the grains that know: the restoration that
/// claimed them (has it finished, and does the copy it started have checkpoints of its own?) or, for a program nobody
/// claimed, its ECU's catalogue (has the program ended?).
/// </summary>
public sealed class CheckpointRelease(IGrainFactory grains)
{
    // A copy restored from these checkpoints that has none of its own is restored from them again, by the restoration
    // that claims it in turn; the lineage is followed this far before the checkpoints are kept for the next check.
    private const int LineageDepth = 8;

    /// <summary>When the checkpoints stopped being needed: the claimant finished, or the unclaimed program ended; else null.</summary>
    public async Task<DateTimeOffset?> SettledAtAsync(CheckpointKey key, string? claimant, DateTimeOffset now) => claimant is null
        ? Ended(await grains.GetGrain<IEcuGrain>(key.Mac).FindProgramAsync(key.ProgramId), now)
        : (await grains.GetGrain<IRestorationGrain>(claimant).GetAsync())?.FinishedAt;

    /// <summary>When a catalogue entry ended as stopped, retired or abandoned (now, if its end was not stamped); null while it may run or be restored.</summary>
    public static DateTimeOffset? Ended(ProgramEntry? entry, DateTimeOffset now) =>
        entry is { Status: ProgramEntryStatus.Stopped or ProgramEntryStatus.Retired or ProgramEntryStatus.Abandoned } ? entry.EndedAt ?? now : null;

    /// <summary>
    /// Whether no copy can be restored from the checkpoints of <paramref name="key"/> any more: the copy its finished
    /// claimant started has checkpoints of its own, was released, or ended unclaimed (and a copy without checkpoints that
    /// was claimed in turn is followed to the copy its claimant started).
    /// </summary>
    public async Task<bool> NoCopyDependsAsync(CheckpointKey key, string claimant)
    {
        for (var depth = 0; depth < LineageDepth; depth++)
        {
            var view = await grains.GetGrain<IRestorationGrain>(claimant).GetAsync();
            if (view?.FinishedAt is null)
            {
                return false;
            }

            if (await CopyOfAsync(view, key) is not { } copy)
            {
                return true;
            }

            var status = await grains.GetGrain<ICheckpointGrain>(copy.ToString()).GetStatusAsync();
            if (status.Versions.Count > 0 || status.ReleasedAt is not null)
            {
                return true;
            }

            if (status.Claimant is null)
            {
                // Running without a checkpoint yet (it would be restored from its origin), or ended without one.
                return Ended(await grains.GetGrain<IEcuGrain>(copy.Mac).FindProgramAsync(copy.ProgramId), DateTimeOffset.MinValue) is not null;
            }

            (key, claimant) = (copy, status.Claimant);
        }

        return false;
    }

    /// <summary>The copy a finished restoration started from <paramref name="key"/>: the one its target answered, or registered before it failed.</summary>
    private async Task<CheckpointKey?> CopyOfAsync(RestorationView view, CheckpointKey key)
    {
        var item = view.Programs.FirstOrDefault(i => new CheckpointKey(view.SourceMac, i.ProgramId) == key);
        if (item?.TargetMac is not { } target)
        {
            return null;
        }

        if (item.NewProgramId is { } programId)
        {
            return new CheckpointKey(target, programId);
        }

        var entry = item.CommandId is null ? null : await grains.GetGrain<IEcuGrain>(target).FindByCommandAsync(item.CommandId);
        return entry is null ? null : new CheckpointKey(target, entry.ProgramId);
    }
}
