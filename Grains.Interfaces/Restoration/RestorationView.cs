using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>A restoration as <c>GET /api/restorations</c> shows it; <see cref="RunsOn"/> is the silo that last worked on it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestorationView")]
public sealed record RestorationView(
    [property: Id(0)] string Id,
    [property: Id(1)] RestorationKind Kind,
    [property: Id(2)] string SourceMac,
    [property: Id(3)] string Reason,
    [property: Id(4)] DateTimeOffset StartedAt,
    [property: Id(5)] DateTimeOffset? FinishedAt,
    [property: Id(6)] IReadOnlyList<RestorationItem> Programs,
    [property: Id(7)] string? RunsOn = null);

/// <summary>Where one program of a restoration stands.</summary>
public enum RestorationOutcome
{
    /// <summary>Waiting for its claim, for a target that fits, or for a retry.</summary>
    Pending = 0,

    /// <summary>A restore command was sent to <see cref="RestorationItem.TargetMac"/>; waiting for its answer.</summary>
    Assigned = 1,

    /// <summary>Runs again on <see cref="RestorationItem.TargetMac"/> as <see cref="RestorationItem.NewProgramId"/>.</summary>
    Running = 2,

    /// <summary>Another restoration or migration holds this copy (see <see cref="RestorationItem.Detail"/>).</summary>
    HandedOver = 3,

    /// <summary>The program never had an acknowledged checkpoint: there is nothing to restore it from.</summary>
    NoCheckpoint = 4,

    /// <summary>A migration that could not start (e.g. the source had no checkpoint); the source copy runs on.</summary>
    Abandoned = 5,
}

/// <summary>
/// One program of a restoration: its outcome, the version restored, the new copy, timings and events, and the fencing
/// token of its current command.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestorationItem")]
public sealed record RestorationItem(
    [property: Id(0)] int ProgramId,
    [property: Id(1)] string Name,
    [property: Id(2)] RestorationOutcome Outcome,
    [property: Id(3)] long? Version = null,
    [property: Id(4)] string? TargetMac = null,
    [property: Id(5)] int? NewProgramId = null,
    [property: Id(6)] string? CommandId = null,
    [property: Id(7)] int Attempts = 0,
    [property: Id(8)] string? Detail = null,
    [property: Id(9)] DateTimeOffset? ClaimedAt = null,
    [property: Id(10)] DateTimeOffset? AssignedAt = null,
    [property: Id(11)] DateTimeOffset? RunningAt = null,
    [property: Id(12)] IReadOnlyList<string>? Events = null,
    [property: Id(13)] string? ReadFrom = null,
    [property: Id(14)] bool SourceStopped = false,
    [property: Id(15)] FencingToken Token = default)
{
    /// <summary>Nothing is left to do for this program (a migration also needs its source copy stopped).</summary>
    public bool IsDone => Outcome is RestorationOutcome.NoCheckpoint or RestorationOutcome.Abandoned
        || Outcome is RestorationOutcome.Running or RestorationOutcome.HandedOver && SourceStopped;
}
