using OrleansCms.Checkpoints;

namespace OrleansCms.Ecus;

/// <summary>
/// One program in an ECU's catalogue, registered by its agent before the program starts. The catalogue an ECU
/// has when it fails is exactly what its restoration restores. <paramref name="StandbyMac"/> is the ECU the CMS keeps
/// the program's newest checkpoint warm on (<see cref="ProgramInfo.Standby"/>), its preferred restore target.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ProgramEntry")]
public sealed record ProgramEntry(
    [property: Id(0)] int ProgramId,
    [property: Id(1)] ProgramInfo Program,
    [property: Id(2)] ProgramOrigin? Origin,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] ProgramEntryStatus Status = ProgramEntryStatus.Active,
    [property: Id(5)] string? Successor = null,
    [property: Id(6)] DateTimeOffset? EndedAt = null,
    [property: Id(7)] string? EndReason = null,
    [property: Id(8)] string? StandbyMac = null)
{
    /// <summary>The key of the first copy of this logical program, the same along its whole lineage.</summary>
    public string Root(string mac) => Origin?.Root ?? new CheckpointKey(mac, ProgramId).ToString();
}

/// <summary>
/// Where a restored program came from: the checkpoint it started with and the command that started it, with that
/// command's fencing token.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ProgramOrigin")]
public sealed record ProgramOrigin(
    [property: Id(0)] CheckpointKey Source,
    [property: Id(1)] long Version,
    [property: Id(2)] string CommandId,
    [property: Id(3)] string Root,
    [property: Id(4)] FencingToken Token = default);

/// <summary>The life of a catalogue entry.</summary>
public enum ProgramEntryStatus
{
    /// <summary>Running (as far as the CMS knows).</summary>
    Active = 0,

    /// <summary>Exited unexpectedly while its ECU lived; a restoration takes it over.</summary>
    Crashed = 1,

    /// <summary>Stopped on purpose (operator, migration source, or a start that failed).</summary>
    Stopped = 2,

    /// <summary>Restored elsewhere after its ECU failed; <see cref="ProgramEntry.Successor"/> names the new copy.</summary>
    Retired = 3,

    /// <summary>Left behind when its fenced ECU rejoined as a fresh ECU.</summary>
    Abandoned = 4,
}
