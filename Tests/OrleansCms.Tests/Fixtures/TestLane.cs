namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// How <c>./cms test</c> spreads the process tests (<c>[Trait("Speed", "Process")]</c>) over two test runs side by
/// side, each of which runs its tests one collection at a time: the classes with the trait <c>Lane=Faults</c>, and
/// all the others (the shared fixtures: the TLS fleet, the API silos, the shared CMS). The lanes only balance the
/// wall time (a third would not: the 2 cores are then busy, and every test slows down); no test depends on its lane.
/// </summary>
public static class TestLane
{
    public const string Trait = "Lane";

    /// <summary>Tests that break a whole CMS of their own: its database, its network or its silos.</summary>
    public const string Faults = "Faults";
}
