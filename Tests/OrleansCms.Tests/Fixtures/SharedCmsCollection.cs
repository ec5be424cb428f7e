namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The process tests that neither reconfigure nor partition the CMS: restoration, migration, declared failures and
/// the agent as a process. They share one <see cref="SharedCms"/> across their classes, one test at a time, and, like
/// <see cref="ProcessCollection"/>, run alone after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SharedCmsCollection : ICollectionFixture<SharedCms>
{
    public const string Name = "Real processes on one shared CMS";
}
