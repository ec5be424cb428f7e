using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The credentials of a client that plays any number of ECUs (the tests' and the benchmarks' clients): for a call an
/// ECU makes, a certificate of that ECU, issued in memory by the fleet CA of <paramref name="files"/> on first use;
/// for any other, the certificate of operator <paramref name="operatorIdentity"/>.
/// </summary>
public sealed class MintedEcuCredentials(FleetTlsFiles files, FleetIdentity operatorIdentity) : ICallerCredentials
{
    private readonly FleetCertificateAuthority _authority = files.LoadAuthority();
    private readonly X509Certificate2 _operator = files.Load(operatorIdentity).Own;
    private readonly ConcurrentDictionary<string, Lazy<X509Certificate2>> _ecus = new();

    public X509Certificate2? CertificateFor(string? ownerMac) =>
        ownerMac is null ? _operator : _ecus.GetOrAdd(ownerMac, mac => new(() => _authority.Issue(FleetIdentity.Ecu(mac)))).Value;
}
