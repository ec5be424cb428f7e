using OrleansCms.Ecus;

namespace OrleansCms.Api;

/// <summary>
/// Groups every catalogue entry of every ECU into logical programs: the copies that descend from one first
/// copy (its root), oldest first, and the copy that runs now, if any.
/// </summary>
public static class ProgramLineage
{
    public static IReadOnlyList<LogicalProgram> Build(IEnumerable<EcuView> ecus)
    {
        var copies = ecus.SelectMany(ecu => ecu.Catalogue.Select(entry => (Root: entry.Root(ecu.Mac), entry.Program.Name, Copy: new ProgramCopy(
            ecu.Mac, entry.ProgramId, entry.Status, entry.StartedAt, entry.EndedAt, entry.EndReason,
            entry.Origin is { } origin ? $"{origin.Source} v{origin.Version}" : null))));
        return [.. copies
            .GroupBy(c => c.Root)
            .Select(group =>
            {
                var lineage = group.Select(c => c.Copy).OrderBy(c => c.StartedAt).ToList();
                var running = lineage.Where(c => c.Status == ProgramEntryStatus.Active).ToList();
                return new LogicalProgram(group.Key, group.First().Name, running.Count == 1 ? running[0] : null, running.Count, lineage);
            })
            .OrderBy(p => p.Root, StringComparer.Ordinal)];
    }
}

/// <summary>One logical program: its root key, the copy running now (null when none or, wrongly, several) and every copy.</summary>
public sealed record LogicalProgram(string Root, string Name, ProgramCopy? RunningCopy, int RunningCopies, IReadOnlyList<ProgramCopy> Lineage);

/// <summary>One copy of a program on one ECU.</summary>
public sealed record ProgramCopy(
    string Mac, int ProgramId, ProgramEntryStatus Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? EndReason, string? RestoredFrom);
