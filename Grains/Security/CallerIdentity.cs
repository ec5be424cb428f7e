namespace OrleansCms.Security;

/// <summary>Who made a call, as its session token says: an ECU by MAC or an operator by name.</summary>
public sealed record CallerIdentity(FleetRole Role, string Subject)
{
    public override string ToString() => $"{Role.ToString().ToLowerInvariant()}:{Subject}";
}
