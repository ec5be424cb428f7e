using System.ComponentModel.DataAnnotations;
using Orleans.Connections.Security;
using OrleansCms.Security;

namespace OrleansCms.Hosting;

/// <summary>Turns <see cref="CmsTlsOptions"/> into Orleans' TLS on the silo's and gateway's connections.</summary>
public static class CmsTlsExtensions
{
    public static ISiloBuilder UseCmsTls(this ISiloBuilder silo, CmsTlsOptions options)
    {
        if (!options.Enabled)
        {
            return silo;
        }

        if (options.CertificatePath.Length == 0 || options.KeyPath.Length == 0 || options.CaPath.Length == 0)
        {
            throw new ValidationException("Cms:Tls needs CertificatePath, KeyPath and CaPath together (or none of them for no TLS).");
        }

        FleetCertificates certificates;
        try
        {
            certificates = FleetCertificates.Load(options.CertificatePath, options.KeyPath, options.CaPath);
        }
        catch (InvalidOperationException e)
        {
            throw new ValidationException(e.Message, e);
        }

        silo.Services.AddSingleton(certificates);
        return silo.UseTls(tls =>
        {
            tls.LocalCertificate = certificates.Own;
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            // Peers are reached by address, so trust is the fleet CA's signature rather than a host name.
            tls.RemoteCertificateValidation = (certificate, _, _) => certificates.IsFleetMember(certificate);
        });
    }
}
