using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansCms.Api;

/// <summary>The HTTP surface every silo serves.</summary>
public static class ClusterEndpoints
{
    public static IServiceCollection AddCmsApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo")
            .AddCheck<PostgresHealthCheck>("postgres");
        return services;
    }

    public static WebApplication MapCmsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health", new() { ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable } });
        app.MapGet("/api/cluster", (IClusterMembershipService membership, ILocalSiloDetails local) =>
        {
            var snapshot = membership.CurrentSnapshot;
            return new ClusterView(
                local.Name,
                snapshot.Version.Value,
                [.. snapshot.Members.Values
                    .OrderBy(m => m.SiloAddress.Endpoint.Port)
                    .Select(m => new SiloView(m.Name, m.SiloAddress.ToParsableString(), m.Status.ToString(), m.SiloAddress.Equals(local.SiloAddress)))]);
        });
        app.MapEcuApi();
        app.MapRestorationApi();
        return app;
    }
}

/// <summary>The silos this silo knows, as <c>GET /api/cluster</c> returns them.</summary>
public sealed record ClusterView(string AnsweredBy, long MembershipVersion, IReadOnlyList<SiloView> Silos);

/// <summary>One silo of the cluster.</summary>
public sealed record SiloView(string Name, string Address, string Status, bool IsSelf);
