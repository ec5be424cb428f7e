namespace OrleansCms.Tests.Fuzz;

/// <summary>A generated input with a short description of what was done to it (what a failure report shows).</summary>
public sealed record FuzzCase<T>(string Description, T Value)
{
    public override string ToString() => Description;
}
