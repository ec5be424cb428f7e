using OrleansCms.Restoration;

namespace OrleansCms.Ecus;

/// <summary>Persisted part of an ECU: what changes rarely. Heartbeats and metrics stay in memory.</summary>
[GenerateSerializer, Alias("OrleansCms.EcuState")]
public sealed class EcuState
{
    [Id(0)]
    public EcuRegistration? Registration { get; set; }

    [Id(1)]
    public EcuStatus Status { get; set; }

    [Id(2)]
    public int FailureEpoch { get; set; }

    [Id(3)]
    public string? FailureReason { get; set; }

    [Id(4)]
    public DateTimeOffset? StatusSince { get; set; }

    /// <summary>The programs of this ECU: the active ones and the most recently ended.</summary>
    [Id(5)]
    public List<ProgramEntry> Catalogue { get; set; } = [];

    /// <summary>The lowest program ID this ECU has never used.</summary>
    [Id(6)]
    public int NextProgramId { get; set; }

    /// <summary>
    /// Restorations decided here (failure, crash, migration) that their grain has not yet confirmed starting;
    /// written together with the decision, sent after it, and sent again by the reminder until confirmed.
    /// </summary>
    [Id(7)]
    public Dictionary<string, RestorationRequest> Outbox { get; set; } = [];

    [Id(8)]
    public int MigrationCount { get; set; }

    /// <summary>
    /// Per logical program (its root), the newest restore command registered here: an older one is refused even after
    /// the agent restarted and forgot it. Kept across a rejoin.
    /// </summary>
    [Id(9)]
    public Dictionary<string, FencingMark> Fences { get; set; } = [];

    /// <summary>
    /// A lapsed lease declared this ECU failed while programs of <see cref="Checkpoints.IsolationPolicy.Continue"/>
    /// ran on it: they are not restored until the failure is confirmed, and the ECU keeps them if it rejoins first.
    /// </summary>
    [Id(10)]
    public bool ContinuingUnconfirmed { get; set; }
}
