using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansCms.Agent;
using OrleansCms.Checkpoints;
using OrleansCms.Ingest;
using OrleansCms.Machine;
using OrleansCms.Programs;

namespace OrleansCms.Cli;

/// <summary>The agent's options, bound from configuration (sections <c>Agent</c>, <c>Agent:Ingest</c>, <c>Agent:Protocol</c>) and validated at start.</summary>
public static class AgentOptionsExtensions
{
    /// <summary>The key that holds the gateways, <c>host:port[,host:port...]</c> as <c>--cms</c> takes them.</summary>
    public const string GatewaysKey = $"{AgentOptions.Section}:{nameof(AgentOptions.Gateways)}";

    public static IServiceCollection AddAgentOptions(this IServiceCollection services)
    {
        services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.Section)
            // The binder cannot make an IPEndPoint; the gateways are parsed here, with errors that name the key.
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration[GatewaysKey] is { Length: > 0 } gateways)
                {
                    options.Gateways = Gateways.Parse(gateways, GatewaysKey);
                }
            })
            .PostConfigure(UseHostDefaults)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<IngestClientOptions>().BindConfiguration(IngestClientOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ProgramProtocolOptions>().BindConfiguration(ProgramProtocolOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    /// <summary>An agent told nothing else is the whole host: its first MAC (and a name from it), its RAM and cores.</summary>
    private static void UseHostDefaults(AgentOptions options)
    {
        if (options.Mac.Length == 0)
        {
            options.Mac = HostIdentity.FirstMacAddress() ?? "";
        }

        if (MacAddress.TryNormalize(options.Mac, out var mac))
        {
            options.Mac = mac;
            if (options.Name.Length == 0)
            {
                options.Name = $"ecu-{mac[^5..].Replace(":", "", StringComparison.Ordinal)}";
            }
        }

        // Capacity given by hand makes the ECU a slice of its host (its load is then its own processes').
        options.SharesHost |= options.RamBytes != 0 || options.CpuCores != 0;
        if (options.RamBytes == 0)
        {
            options.RamBytes = HostIdentity.RamBytes();
        }

        if (options.CpuCores == 0)
        {
            options.CpuCores = HostIdentity.CpuCores();
        }
    }
}
