using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCms.Agent;
using OrleansCms.Security;

namespace OrleansCms.Cli;

/// <summary>The agent process: its options, the CMS client they describe, and the agent service.</summary>
public static class AgentHost
{
    /// <summary>
    /// The host, its options read from configuration (environment variables such as <c>Agent__Ingest__ChunkSize</c>,
    /// an <c>appsettings.json</c> in the working directory) and then from <paramref name="settings"/>, the keys that the
    /// command line's flags set.
    /// </summary>
    public static HostApplicationBuilder Create(IEnumerable<KeyValuePair<string, string?>> settings, FleetCertificates? tls, Func<bool> keepTrying)
    {
        var builder = CmsClientHost.Create(tls, keepTrying, client => client
            .UseStaticClustering(gateways => gateways.Configure<IOptions<AgentOptions>>((o, agent) =>
                o.Gateways = [.. agent.Value.Gateways.Select(endpoint => endpoint.ToGatewayUri())])));
        // Last, so that a flag given on the command line wins over the same key from anywhere else.
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAgentOptions();
        builder.Services.AddOptions<ClusterOptions>().Configure<IOptions<AgentOptions>>((cluster, agent) =>
        {
            cluster.ClusterId = agent.Value.ClusterId;
            cluster.ServiceId = agent.Value.ServiceId;
        });
        builder.Services.AddHostedService<EcuAgentService>();
        return builder;
    }
}
