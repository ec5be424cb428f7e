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

    /// <summary>When the checkpoints stopped being needed (the claimant finished, the program ended); the release counts from here.</summary>
    [Id(2)]
    public DateTimeOffset? SettledAt { get; set; }

    /// <summary>When the versions were released (dropped, their chunks left to the collector); none is accepted or read after it.</summary>
    [Id(3)]
    public DateTimeOffset? ReleasedAt { get; set; }
}
