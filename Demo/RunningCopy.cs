namespace OrleansCms.Demo;

/// <summary>Where a logical program runs now.</summary>
public sealed record RunningCopy(string Mac, int ProgramId);
