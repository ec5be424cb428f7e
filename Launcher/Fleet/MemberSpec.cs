namespace OrleansCms.Launcher.Fleet;

/// <summary>
/// One process of a fleet: its name (<c>silo-1</c>, <c>ecu-2</c>), what it is, the arguments it starts with, and the
/// ports it listens on (silos) or the MAC it acts as (agents).
/// </summary>
public sealed record MemberSpec(string Name, MemberKind Kind, IReadOnlyList<string> Arguments)
{
    /// <summary>The silo's ports: cluster, gateway and HTTP (none for an agent).</summary>
    public SiloPorts? Ports { get; init; }

    /// <summary>The MAC an agent acts as (none for a silo).</summary>
    public string? Mac { get; init; }

    /// <summary>How <c>./cms ps</c> shows the endpoints.</summary>
    public string Endpoints => Ports is { } p ? $"silo {p.Silo} · gateway {p.Gateway} · http {p.Http}" : $"mac {Mac}";
}
