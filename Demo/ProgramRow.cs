namespace OrleansCms.Demo;

/// <summary>One logical program as GET /api/programs lists it (the fields the demo reads).</summary>
public sealed record ProgramRow(string Root, string Name, int RunningCopies, RunningCopy? RunningCopy);
