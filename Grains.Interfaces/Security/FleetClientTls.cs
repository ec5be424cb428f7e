using Orleans.Connections.Security;

namespace OrleansCms.Security;

/// <summary>How every client of the CMS (agent, demo, tests) joins a fleet that runs mutual TLS.</summary>
public static class FleetClientTls
{
    /// <summary>
    /// Connects over mutual TLS with the client's fleet certificate, trusting only a silo's certificate from the fleet
    /// CA (gateways are reached by address, not host name), and opens sessions as <paramref name="credentials"/>
    /// (by default, the identity the certificate names) for every grain call.
    /// </summary>
    public static IClientBuilder UseFleetTls(this IClientBuilder client, FleetCertificates tls, ICallerCredentials? credentials = null)
    {
        client.UseTls(options =>
        {
            options.LocalCertificate = tls.Own;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = (certificate, _, _) => tls.IsSilo(certificate);
        });
        return client.UseCallerSessions(credentials ?? new SingleCredential(tls.Own));
    }
}
