namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Tests that run whole systems of real processes (silos, agents, programs). Within a test run they go one at a
/// time, after the parallel tests (<c>./cms test</c> runs them as a second phase), so that their timing bounds are
/// not measured against a crowd.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Real processes";
}
