using System.Security.Cryptography.X509Certificates;

namespace OrleansCms.Security;

/// <summary>
/// One fleet member's TLS identity: its certificate and key, and the fleet CA that every silo and agent
/// certificate must chain to (mutual authentication: membership of the fleet is the CA's signature).
/// </summary>
public sealed class FleetCertificates : IDisposable
{
    private FleetCertificates(X509Certificate2 own, X509Certificate2 ca)
    {
        Own = own;
        Ca = ca;
    }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Own { get; }

    /// <summary>The fleet CA (public part only).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>Loads PEM files; a missing or unreadable file is an <see cref="InvalidOperationException"/> naming it.</summary>
    public static FleetCertificates Load(string certificatePath, string keyPath, string caPath)
    {
        var own = Read(certificatePath, () => X509Certificate2.CreateFromPemFile(certificatePath, keyPath), "certificate and key", keyPath);
        if (!own.HasPrivateKey)
        {
            throw new InvalidOperationException($"TLS: {keyPath} holds no private key for {certificatePath}.");
        }

        var ca = Read(caPath, () => X509CertificateLoader.LoadCertificateFromFile(caPath), "fleet CA");
        var certificates = new FleetCertificates(own, ca);
        if (!certificates.IsFleetMember(own))
        {
            throw new InvalidOperationException($"TLS: {certificatePath} is not signed by the fleet CA {caPath}.");
        }

        return certificates;
    }

    /// <summary>True when <paramref name="remote"/> is valid now and chains to the fleet CA (and to no other root).</summary>
    public bool IsFleetMember(X509Certificate2 remote)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote) && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(Ca.RawDataMemory.Span);
    }

    /// <summary>
    /// True for a fleet member's certificate issued to a silo: one that may serve TLS (extended key usage
    /// serverAuth). Silos accept only these from each other, and agents only these from a gateway.
    /// </summary>
    public bool IsSilo(X509Certificate2 remote) => IsFleetMember(remote) && MayServe(remote);

    /// <summary>
    /// True for a fleet member's certificate issued to an ECU or another client: client use only. Gateways accept
    /// only these, so a silo's key cannot act as an ECU, nor an ECU's as a silo.
    /// </summary>
    public bool IsClient(X509Certificate2 remote) => IsFleetMember(remote) && !MayServe(remote);

    public void Dispose()
    {
        Own.Dispose();
        Ca.Dispose();
    }

    private static bool MayServe(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(usage => usage.EnhancedKeyUsages[ServerAuthentication] is not null);

    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private static X509Certificate2 Read(string path, Func<X509Certificate2> load, string what, string? otherPath = null)
    {
        foreach (var file in otherPath is null ? [path] : new[] { path, otherPath })
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"TLS: the {what} file {file} does not exist.");
            }
        }

        try
        {
            return load();
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidOperationException($"TLS: cannot read the {what} from {path}: {e.Message}", e);
        }
    }
}
