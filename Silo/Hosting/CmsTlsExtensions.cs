using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;
using OrleansCms.Security;

namespace OrleansCms.Hosting;

/// <summary>Turns <see cref="CmsTlsOptions"/> into Orleans' TLS on the silo's and gateway's connections.</summary>
public static class CmsTlsExtensions
{
    /// <summary>
    /// Binds <see cref="CmsTlsOptions"/> (validated at start-up) and, when they name certificates, requires mutual TLS
    /// on silo-to-silo and gateway connections. This is what Orleans' <c>UseTls</c> configures, done from the options
    /// rather than from a certificate loaded while the host is being built.
    /// </summary>
    public static ISiloBuilder UseCmsTls(this ISiloBuilder silo)
    {
        var services = silo.Services;
        services.AddOptions<CmsTlsOptions>().BindConfiguration(CmsTlsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.ConfigureFormatter<CmsTlsOptions>();
        services.AddHostedService<PlainTransportWarning>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<CmsTlsOptions>>().Value.LoadCertificates());
        // The fleet CA also checks the certificates that open sessions: with TLS, every outside call is authorized.
        services.AddSingleton(sp => new FleetTrust(sp.GetRequiredService<IOptions<CmsTlsOptions>>().Value.Enabled ? sp.GetRequiredService<FleetCertificates>() : null));
        services.AddOptions<SiloConnectionOptions>().Configure<IOptions<CmsTlsOptions>, IServiceProvider>((connections, tls, sp) =>
        {
            if (!tls.Value.Enabled)
            {
                return;
            }

            var certificates = sp.GetRequiredService<FleetCertificates>();
            // Peers are reached by address, so trust is the fleet CA's signature rather than a host name, and the
            // kind of certificate: silo links take only silos', the gateway only ECUs' (and other clients').
            TlsOptions Accepting(Func<X509Certificate2, bool> accepts) => new()
            {
                LocalCertificate = certificates.Own,
                RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
                ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
                RemoteCertificateValidation = (certificate, _, _) => accepts(certificate),
            };
            var silos = Accepting(certificates.IsSilo);
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(silos));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(silos));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(Accepting(certificates.IsClient)));
        });
        return silo;
    }
}
