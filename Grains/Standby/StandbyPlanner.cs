using System.Globalization;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Standby;

/// <summary>
/// Chooses where each standby program of one ECU is kept warm: where a restoration would place it now, by the same
/// policy, as one batch (so an ECU's programs spread as they would on its failure), never on the ECU itself. A
/// standby that still fits stays where it is, so its cache is not thrown away. Plain logic: no I/O.
/// </summary>
public static class StandbyPlanner
{
    /// <summary>The standby of every program of <paramref name="programs"/> that wants one (null: nowhere fits), by program ID.</summary>
    public static IReadOnlyDictionary<int, string?> Plan(
        string sourceMac, IReadOnlyList<ProgramEntry> programs, IReadOnlyList<PlacementCandidate> candidates, PlacementPolicy policy)
    {
        var wanting = programs.Where(p => p.Status == ProgramEntryStatus.Active && p.Program.Standby).ToList();
        var decisions = policy.PlaceBatch(
            [.. wanting.Select(p => new PlacementRequest(p.ProgramId.ToString(CultureInfo.InvariantCulture), p.Program, 0, ExcludeMac: sourceMac, PreferredMac: p.StandbyMac))],
            candidates);
        return wanting.Zip(decisions).ToDictionary(pair => pair.First.ProgramId, pair => pair.Second.TargetMac);
    }
}
