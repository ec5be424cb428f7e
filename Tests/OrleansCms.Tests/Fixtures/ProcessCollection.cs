namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Tests that run whole systems of real processes (silos, agents, programs). Within a test run they go one at a
/// time, after the parallel tests, so that their timing bounds are not measured against a crowd. The full
/// <c>./cms test</c> runs them in two such runs side by side (a class marked <c>[Trait("Lane", "2")]</c> goes to the
/// second), balanced by duration.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Real processes";
}
