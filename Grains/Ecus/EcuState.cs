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
}
