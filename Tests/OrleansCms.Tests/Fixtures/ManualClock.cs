namespace OrleansCms.Tests.Fixtures;

/// <summary>A clock that stands still until a test moves it, for the plain decision classes that stamp times.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private DateTimeOffset _now = now;

    public ManualClock()
        : this(Start)
    {
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
