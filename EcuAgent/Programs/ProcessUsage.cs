namespace OrleansCms.Programs;

/// <summary>A program process's resident memory and the CPU time it has used so far (user + system).</summary>
public sealed record ProcessUsage(long RssBytes, TimeSpan CpuTime);
