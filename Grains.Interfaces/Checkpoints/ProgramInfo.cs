namespace OrleansCms.Checkpoints;

/// <summary>
/// A program as its agent declares it: what the CMS needs to place it elsewhere and what any agent needs to
/// start it again (its command line and checkpoint interval), what it does while its ECU is cut off, and whether the
/// CMS keeps a warm standby of its state on another ECU (<see cref="Standby"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ProgramInfo")]
public sealed record ProgramInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] long RamBytes,
    [property: Id(2)] TimeSpan? Period = null,
    [property: Id(3)] TimeSpan? Wcet = null,
    [property: Id(4)] bool LatencyCritical = false,
    [property: Id(5)] IReadOnlyList<string>? Command = null,
    [property: Id(6)] TimeSpan? CheckpointInterval = null,
    [property: Id(7)] IsolationPolicy Isolation = IsolationPolicy.Freeze,
    [property: Id(8)] bool Standby = false)
{
    /// <summary>Declared real-time utilization (WCET / period), or 0 for a program without a consistent declaration.</summary>
    public double Utilization => RealTimeDemand.UtilizationOf(this);
}
