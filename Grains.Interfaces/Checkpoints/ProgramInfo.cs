namespace OrleansCms.Checkpoints;

/// <summary>What the CMS must know about a program to place it when it is restored elsewhere.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ProgramInfo")]
public sealed record ProgramInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] long RamBytes,
    [property: Id(2)] TimeSpan? Period = null,
    [property: Id(3)] TimeSpan? Wcet = null,
    [property: Id(4)] bool LatencyCritical = false);
