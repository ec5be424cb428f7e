namespace OrleansCms.Fleet;

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

    /// <summary>A silo on <paramref name="ports"/>; <paramref name="settings"/> are more overrides such as <c>--Cms:ClusterId=ID</c>.</summary>
    public static MemberSpec Silo(string name, SiloPorts ports, params IEnumerable<string> settings) =>
        new(name, MemberKind.Silo, [.. ports.Settings, .. settings]) { Ports = ports };

    /// <summary>
    /// An agent acting as ECU <paramref name="mac"/>, joining the CMS at <paramref name="gateways"/> (<c>--cms</c>
    /// syntax); <paramref name="options"/> are its other options (<c>--ram-mb</c>, <c>--program</c>, …).
    /// </summary>
    public static MemberSpec Agent(string name, string mac, string gateways, params IEnumerable<string> options) =>
        new(name, MemberKind.Agent, ["--cms", gateways, "--mac", mac, .. options]) { Mac = mac };
}
