using System.ComponentModel.DataAnnotations;
using System.Net;
using Orleans.Configuration;
using OrleansCms.Api;

namespace OrleansCms.Hosting;

/// <summary>Everything a CMS silo process adds to its web host.</summary>
public static class CmsSiloHostExtensions
{
    public static WebApplicationBuilder AddCmsSilo(this WebApplicationBuilder builder)
    {
        // Endpoints are needed while the host is being built, so bind and validate them here, once.
        var silo = builder.Configuration.GetSection(CmsSiloOptions.Section).Get<CmsSiloOptions>() ?? new CmsSiloOptions();
        Validator.ValidateObject(silo, new ValidationContext(silo), validateAllProperties: true);
        if (!IPAddress.TryParse(silo.AdvertisedIp, out var advertisedIp))
        {
            throw new ValidationException($"Cms:AdvertisedIp '{silo.AdvertisedIp}' is not an IP address.");
        }

        var tls = builder.Configuration.GetSection(CmsTlsOptions.Section).Get<CmsTlsOptions>() ?? new CmsTlsOptions();
        builder.Services.AddOptions<CmsSiloOptions>().BindConfiguration(CmsSiloOptions.Section);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.WebHost.UseUrls($"http://{silo.AdvertisedIp}:{silo.HttpPort}");

        builder.UseOrleans(orleans =>
        {
            orleans.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            orleans.ConfigureEndpoints(advertisedIp, silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
            orleans.Configure<SiloOptions>(o => o.SiloName = SiloNames.Format(silo.SiloPort, silo.HttpPort));
            orleans.AddCmsPersistence();
            orleans.UseCmsTls(tls);
        });

        builder.Services.AddCmsApi();
        builder.Services.AddCmsTelemetry();
        return builder;
    }
}
