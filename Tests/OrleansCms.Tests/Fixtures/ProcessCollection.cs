namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Tests that run whole systems of real processes (silos, agents, programs). They run one at a time and after
/// the parallel tests, so that their timing bounds are measured on a machine that is not also running others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "Real processes";
}
