using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansCms.Telemetry;

namespace OrleansCms.Hosting;

/// <summary>Metrics of the CMS (meter <c>OrleansCms</c>) and of Orleans, scraped at <c>GET /metrics</c> in Prometheus text format.</summary>
public static class CmsTelemetryExtensions
{
    public const string OrleansMeter = "Microsoft.Orleans";

    public static IServiceCollection AddCmsTelemetry(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-cms"))
            .WithMetrics(metrics => metrics
            .AddMeter(CmsMetrics.MeterName, OrleansMeter)
            // No response cache (default 300 ms): a scrape right after an event must show it.
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static WebApplication MapCmsMetrics(this WebApplication app)
    {
        // Created now, so that the observable instruments exist before any grain records anything.
        app.Services.GetRequiredService<CmsMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
