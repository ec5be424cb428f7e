using OrleansCms.Ecus;

namespace OrleansCms.Api;

/// <summary>
/// Groups every catalogue entry of every ECU into logical programs: the copies that descend from one first
/// copy (its root), oldest first, and the copy that runs now, if any. Only an active entry of an alive ECU runs:
/// the active entry of a failed ECU stays in its catalogue until its restoration retires it, and is lost until then.
/// </summary>
public static class ProgramLineage
{
    public static IReadOnlyList<LogicalProgram> Build(IEnumerable<EcuView> ecus)
    {
        var copies = ecus.SelectMany(ecu => ecu.Catalogue.Select(entry => (Root: entry.Root(ecu.Mac), entry.Program.Name, Copy: new ProgramCopy(
            ecu.Mac, entry.ProgramId, entry.Status, entry.StartedAt, entry.EndedAt, entry.EndReason,
            entry.Origin is { } origin ? $"{origin.Source} v{origin.Version}" : null, ecu.Status, State(entry.Status, ecu.Status)))));
        return [.. copies
            .GroupBy(c => c.Root)
            .Select(group =>
            {
                var lineage = group.Select(c => c.Copy).OrderBy(c => c.StartedAt).ToList();
                var running = lineage.Where(c => c.State == ProgramCopyState.Running).ToList();
                return new LogicalProgram(group.Key, group.First().Name, running.Count == 1 ? running[0] : null, running.Count, lineage,
                    lineage.Count(c => c.State == ProgramCopyState.Lost));
            })
            .OrderBy(p => p.Root, StringComparer.Ordinal)];
    }

    private static ProgramCopyState State(ProgramEntryStatus entry, EcuStatus ecu) => entry switch
    {
        ProgramEntryStatus.Active => ecu == EcuStatus.Alive ? ProgramCopyState.Running : ProgramCopyState.Lost,
        ProgramEntryStatus.Crashed => ProgramCopyState.Crashed,
        ProgramEntryStatus.Stopped => ProgramCopyState.Stopped,
        ProgramEntryStatus.Retired => ProgramCopyState.Retired,
        _ => ProgramCopyState.Abandoned,
    };
}

/// <summary>
/// One logical program: its root key, the copy running now (null when none or, wrongly, several), how many copies
/// run (on alive ECUs), every copy, and how many copies are lost with a failed ECU and not yet replaced.
/// </summary>
public sealed record LogicalProgram(string Root, string Name, ProgramCopy? RunningCopy, int RunningCopies, IReadOnlyList<ProgramCopy> Lineage, int LostCopies);

/// <summary>One copy of a program on one ECU: its catalogue entry, its ECU's status and what the copy does now.</summary>
public sealed record ProgramCopy(
    string Mac, int ProgramId, ProgramEntryStatus Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? EndReason, string? RestoredFrom,
    EcuStatus EcuStatus, ProgramCopyState State);
