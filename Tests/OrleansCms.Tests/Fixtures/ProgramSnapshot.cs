using OrleansCms.Api;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Fixtures;

/// <summary>One logical program: its running copy (catalogue entry) and that copy's newest stored checkpoint.</summary>
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
        var counter = versions.Count > 0 ? (await FleetProbe.StateAsync(grains, key, versions[0].Version)).Counter : (ulong?)null;
        return new ProgramSnapshot(program.Root, program.Name, program.RunningCopies, copy, entry, versions.Count > 0 ? versions[0].Version : null, counter);
    }

    public override string ToString() =>
        $"{Root} ({Name}): {RunningCopies} running{(RunningKey is { } key ? $", now {key} v{NewestVersion} counter {NewestCounter}" : "")}";
}
