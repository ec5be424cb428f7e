using OrleansCms.Api;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// One logical program: its running copy (catalogue entry) and that copy's newest stored checkpoint (its counter
/// once <see cref="WithCounterAsync"/> read it).
/// </summary>
public sealed record ProgramSnapshot(string Root, string Name, int RunningCopies, ProgramCopy? Running, ProgramEntry? RunningEntry, long? NewestVersion, ulong? NewestCounter)
{
    /// <summary>The running copy's key, <c>mac/programId</c>.</summary>
    public string? RunningKey => Running is { } copy ? new CheckpointKey(copy.Mac, copy.ProgramId).ToString() : null;

    public static async Task<ProgramSnapshot> TakeAsync(IGrainFactory grains, LogicalProgram program, IReadOnlyDictionary<string, EcuView> views)
    {
        if (program.RunningCopy is not { } copy)
        {
            return new ProgramSnapshot(program.Root, program.Name, program.RunningCopies, null, null, null, null);
        }

        var entry = views[copy.Mac].Catalogue.Single(p => p.ProgramId == copy.ProgramId);
        var key = new CheckpointKey(copy.Mac, copy.ProgramId).ToString();
        var versions = await grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync();
        return new ProgramSnapshot(program.Root, program.Name, program.RunningCopies, copy, entry, versions.Count > 0 ? versions[0].Version : null, null);
    }

    /// <summary>The same snapshot with the counter of its newest version, read back and verified (the costly part).</summary>
    public async Task<ProgramSnapshot> WithCounterAsync(IGrainFactory grains) =>
        RunningKey is { } key && NewestVersion is { } version ? this with { NewestCounter = (await FleetProbe.StateAsync(grains, key, version)).Counter } : this;

    public override string ToString() =>
        $"{Root} ({Name}): {RunningCopies} running{(RunningKey is { } key ? $", now {key} v{NewestVersion} counter {NewestCounter}" : "")}";
}
