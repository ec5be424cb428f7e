using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>What started a restoration.</summary>
public enum RestorationKind
{
    /// <summary>The source ECU failed: every program of its catalogue goes elsewhere.</summary>
    Failure = 1,

    /// <summary>A program crashed on a living ECU: it is restored there if it fits, else elsewhere.</summary>
    Crash = 2,

    /// <summary>A program moves on request: a target first, then fresh checkpoint and claim, restore on the target, then stop the source copy.</summary>
    Migration = 3,
}

/// <summary>
/// The programs to restore (a snapshot of the catalogue taken when the restoration was decided). No copy is started
/// before <see cref="NotBefore"/>: for a failed ECU, the end of its lease by the CMS's clock, by when its agent, if it
/// still runs, has frozen its programs (docs/architecture.md, "Self-fencing").
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestorationRequest")]
public sealed record RestorationRequest(
    [property: Id(0)] RestorationKind Kind,
    [property: Id(1)] string SourceMac,
    [property: Id(2)] IReadOnlyList<ProgramEntry> Programs,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? TargetMac = null,
    [property: Id(5)] DateTimeOffset? NotBefore = null);
