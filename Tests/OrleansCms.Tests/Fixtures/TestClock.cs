namespace OrleansCms.Tests.Fixtures;

/// <summary>The moment the hand-moved clocks of the decision-class tests (FakeTimeProvider) start at.</summary>
public static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
}
