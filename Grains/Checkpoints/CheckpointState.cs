namespace OrleansCms.Checkpoints;

/// <summary>Persisted state of one program's checkpoints: the retained versions, newest first.</summary>
[GenerateSerializer, Alias("OrleansCms.CheckpointState")]
public sealed class CheckpointState
{
    [Id(0)]
    public List<CheckpointManifest> Versions { get; set; } = [];

    /// <summary>The restoration or migration that took this copy over; once set, no further version is accepted.</summary>
    [Id(1)]
    public string? Claimant { get; set; }
}
