namespace OrleansCms.Ecus;

/// <summary>When this silo started (registered with the silo's services, so one per silo even in a test cluster).</summary>
public sealed record SiloStartTime(DateTimeOffset At);
