using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansCms.Security;

namespace OrleansCms.Cli;

/// <summary>
/// The Orleans client side of the agent: static gateways, one-line console logs, retry until connected, and
/// mutual TLS when the agent has fleet certificates.
/// </summary>
public static class CmsClientHost
{
    /// <summary>A client of the given gateways and cluster.</summary>
    public static HostApplicationBuilder Create(IReadOnlyList<IPEndPoint> gateways, string clusterId, string serviceId, FleetCertificates? tls, Func<bool> keepTrying) =>
        Create(tls, keepTrying, client => client
            .UseStaticClustering([.. gateways])
            .Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = serviceId;
            }));

    /// <summary>A client whose gateways and cluster identity <paramref name="cluster"/> configures.</summary>
    public static HostApplicationBuilder Create(FleetCertificates? tls, Func<bool> keepTrying, Action<IClientBuilder> cluster)
    {
        // The content root is the agent's own folder, not the working directory: configuration reloads watch the
        // content root and everything below it, which from a home or service directory can be a large tree.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("OrleansCms", LogLevel.Information); // the filter above matches it as a prefix
        builder.UseOrleansClient(client =>
        {
            if (tls is not null)
            {
                client.UseFleetTls(tls);
            }

            cluster(client);
            client
                .Configure<GatewayOptions>(gateway => gateway.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5))
                .UseConnectionRetryFilter(async (_, cancellationToken) =>
                {
                    if (!keepTrying())
                    {
                        return false;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    return true;
                });
        });
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
