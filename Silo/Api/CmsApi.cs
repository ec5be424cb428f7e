using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansCms.Api.Operators;
using OrleansCms.Dashboard;
using OrleansCms.Hosting;

namespace OrleansCms.Api;

/// <summary>The HTTP surface every silo serves: JSON API, health, metrics and the dashboard.</summary>
public static class CmsApi
{
    public static IServiceCollection AddCmsApi(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDescriptions.Complete);
        services.AddExceptionHandler<CmsExceptionHandler>();
        // Binding failures (malformed JSON, wrong content type) throw, so the handler can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddCmsOperatorAuth();
        services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo")
            .AddCheck<PostgresHealthCheck>("postgres");
        return services;
    }

    public static WebApplication MapCmsApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        // A bare error status (no endpoint, wrong method, an endpoint's empty 404) becomes problem details.
        app.UseStatusCodePages();
        app.MapHealthChecks("/health", new() { ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable } });
        app.UseAuthentication();
        app.UseAuthorization();
        // Every /api endpoint needs a reader's token at least; those that change something, an operator's (Audited).
        var api = app.MapGroup("").RequireAuthorization(OperatorAuthentication.ReaderPolicy);
        api.MapClusterApi();
        api.MapEcuApi();
        api.MapRestorationApi();
        api.MapProgramApi();
        api.MapSummaryApi();
        api.MapAuditApi();
        api.MapRevocationApi();
        app.MapCmsMetrics();
        app.MapDashboard();
        return app;
    }
}
