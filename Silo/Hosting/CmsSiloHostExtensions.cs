using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCms.Api;

namespace OrleansCms.Hosting;

/// <summary>Everything a CMS silo process adds to its web host.</summary>
public static class CmsSiloHostExtensions
{
    /// <summary>
    /// A silo with its endpoints and identity from <see cref="CmsSiloOptions"/> (section <c>Cms</c>), the CMS's
    /// persistence, grains and TLS, the HTTP API and metrics. Every option is bound and validated at start-up
    /// (see <see cref="StartupFailure"/> for how a failure is reported).
    /// </summary>
    public static WebApplicationBuilder AddCmsSilo(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CmsSiloOptions>().BindConfiguration(CmsSiloOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<CmsSiloOptions>>((kestrel, silo) =>
            kestrel.Listen(IPAddress.Parse(silo.Value.AdvertisedIp), silo.Value.HttpPort));

        builder.UseOrleans(orleans =>
        {
            orleans.Services.ConfigureFormatter<CmsSiloOptions>();
            orleans.Services.AddOptions<ClusterOptions>().Configure<IOptions<CmsSiloOptions>>((o, silo) =>
            {
                o.ClusterId = silo.Value.ClusterId;
                o.ServiceId = silo.Value.ServiceId;
            });
            orleans.Services.AddOptions<EndpointOptions>().Configure<IOptions<CmsSiloOptions>>((o, silo) =>
            {
                o.AdvertisedIPAddress = IPAddress.Parse(silo.Value.AdvertisedIp);
                o.SiloPort = silo.Value.SiloPort;
                o.GatewayPort = silo.Value.GatewayPort;
                // Listen only where the silo is advertised (loopback unless configured otherwise), as HTTP does.
                o.SiloListeningEndpoint = new IPEndPoint(o.AdvertisedIPAddress, silo.Value.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(o.AdvertisedIPAddress, silo.Value.GatewayPort);
            });
            orleans.Services.AddOptions<SiloOptions>().Configure<IOptions<CmsSiloOptions>>((o, silo) =>
                o.SiloName = SiloNames.Format(silo.Value.SiloPort, silo.Value.HttpPort));
            orleans.AddCmsPersistence();
            orleans.AddCmsGrains();
            orleans.UseCmsTls();
        });

        builder.Services.AddCmsApi();
        builder.Services.AddCmsTelemetry();
        return builder;
    }
}
