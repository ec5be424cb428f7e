namespace OrleansCms.Ecus;

/// <summary>How many of the ECUs the CMS ever saw are alive, failed (or fenced) and retired.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.FleetCensus")]
public sealed record FleetCensus(
    [property: Id(0)] int Alive,
    [property: Id(1)] int Failed,
    [property: Id(2)] int Retired);
