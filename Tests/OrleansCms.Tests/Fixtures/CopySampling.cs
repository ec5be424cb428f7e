using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>Samples the program copies under test agents (<see cref="ProgramCopySampler"/>).</summary>
public static class CopySampling
{
    public static ProgramCopySampler Start(params AgentProcess[] agents) =>
        ProgramCopySampler.Start(() => agents.Where(a => !a.HasExited).Select(a => a.Process.Id));
}
