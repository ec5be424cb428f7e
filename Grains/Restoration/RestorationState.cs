namespace OrleansCms.Restoration;

/// <summary>Persisted progress of one restoration: the request and where each of its programs stands.</summary>
[GenerateSerializer, Alias("OrleansCms.RestorationState")]
public sealed class RestorationState
{
    [Id(0)]
    public RestorationRequest? Request { get; set; }

    [Id(1)]
    public DateTimeOffset StartedAt { get; set; }

    [Id(2)]
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>One per program of the request, in the same order.</summary>
    [Id(3)]
    public List<RestorationItem> Items { get; set; } = [];

    /// <summary>Per program ID, the targets that refused it or failed before starting it.</summary>
    [Id(4)]
    public Dictionary<int, HashSet<string>> Excluded { get; set; } = [];

    /// <summary>The decisions that issued a command so far: the sequence of the next fencing token is one more.</summary>
    [Id(5)]
    public long Sequence { get; set; }
}
