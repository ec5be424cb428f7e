namespace OrleansCms.Ecus;

/// <summary>One heartbeat's measurements: CPU load (0..1 of all cores) and RAM in bytes.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuMetrics")]
public sealed record EcuMetrics(
    [property: Id(0)] double CpuLoad,
    [property: Id(1)] long RamUsedBytes,
    [property: Id(2)] long RamTotalBytes);
