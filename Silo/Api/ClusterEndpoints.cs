namespace OrleansCms.Api;

/// <summary><c>GET /api/cluster</c>: the silos this silo knows from Orleans membership.</summary>
public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/cluster", (IClusterMembershipService membership, ILocalSiloDetails local) => Describe(membership, local));
        return app;
    }

    public static ClusterView Describe(IClusterMembershipService membership, ILocalSiloDetails local)
    {
        var snapshot = membership.CurrentSnapshot;
        return new ClusterView(
            local.Name,
            snapshot.Version.Value,
            [.. snapshot.Members.Values
                .OrderBy(m => m.SiloAddress.Endpoint.Port)
                .ThenBy(m => m.SiloAddress.Generation)
                .Select(m => new SiloView(
                    m.Name,
                    m.SiloAddress.ToParsableString(),
                    m.Status.ToString(),
                    m.SiloAddress.Equals(local.SiloAddress),
                    SiloNames.HttpPort(m.Name) is int port ? $"http://{m.SiloAddress.Endpoint.Address}:{port}/" : null))]);
    }
}

/// <summary>The silos this silo knows, as <c>GET /api/cluster</c> returns them.</summary>
public sealed record ClusterView(string AnsweredBy, long MembershipVersion, IReadOnlyList<SiloView> Silos);

/// <summary>One silo of the cluster: its membership status (Active, Dead, …) and its HTTP address when known.</summary>
public sealed record SiloView(string Name, string Address, string Status, bool IsSelf, string? Http);
