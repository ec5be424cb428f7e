using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansCms.Security;

namespace OrleansCms.Fleet;

/// <summary>
/// A fleet CA for tests and trials: an ECDSA P-256 root, and certificates it signs for silos (TLS server and client
/// use), ECUs and operators (client use only), each naming its <see cref="FleetIdentity"/> as the subject. A real
/// fleet keeps its CA key offline and issues the same kind of certificates from its own PKI.
/// </summary>
public sealed class FleetCertificateAuthority : IDisposable
{
    private static readonly TimeSpan MemberValidity = TimeSpan.FromDays(825);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private FleetCertificateAuthority(X509Certificate2 root) => Root = root;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>A new CA named <paramref name="name"/>, valid for ten years.</summary>
    public static FleetCertificateAuthority Create(string name = "OrleansCms fleet CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new FleetCertificateAuthority(request.CreateSelfSigned(now - ClockSkew, now.AddYears(10)));
    }

    /// <summary>The CA kept in PEM files (certificate and key).</summary>
    public static FleetCertificateAuthority Load(string certificatePath, string keyPath) =>
        new(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));

    /// <summary>A certificate with its new private key for <paramref name="member"/>.</summary>
    public X509Certificate2 Issue(FleetIdentity member)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={member}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage) };
        if (member.Role == FleetRole.Silo)
        {
            usages.Add(Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage));
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(member.Name);
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Root, now - ClockSkew, now + MemberValidity, RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes a certificate and its private key as PEM; the key readable by its owner only.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"{certificate.Subject} has no ECDSA private key.");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => Root.Dispose();
}
