using OrleansCms.Fleet;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Fleet certificates made by scripts/fleet-certs.sh (plus a rogue CA's), and two silo processes with mutual
/// TLS on a database of their own, shared by the tests of a class.
/// </summary>
public sealed class FleetTlsCluster : IAsyncLifetime
{
    private readonly List<FleetMember> _members = [];
    private readonly List<HttpClient> _http = [];
    private TestDatabase _database = null!;

    public string Certificates { get; } = Path.Combine(Path.GetTempPath(), $"cms-tls-{Guid.NewGuid():N}");

    public string RogueCertificates => Path.Combine(Certificates, "rogue");

    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..20];

    public IReadOnlyList<int> GatewayPorts => [.. Silos.Select(s => s.Spec.Ports!.Gateway)];

    public HttpClient Http => _http[0];

    public async Task InitializeAsync()
    {
        await new FleetTlsFiles(Certificates).EnsureAsync(ProductPaths.Checkout, ["silo-1", "silo-2"], ["ecu"]);
        await new FleetTlsFiles(RogueCertificates).EnsureAsync(ProductPaths.Checkout, [], ["ecu"]);
        _database = await TestDatabase.CreateAsync();
        await Task.WhenAll(StartSiloAsync("silo-1"), StartSiloAsync("silo-2"));
    }

    /// <summary>Starts an agent for ECU <paramref name="mac"/> on the fleet's gateways, which the fixture stops at the end.</summary>
    public FleetMember StartAgent(string mac, params IEnumerable<string> options) =>
        Start(MemberSpec.Agent($"agent {mac}", mac, FleetLayout.Gateways(Silos.Select(s => s.Spec)), options), new LaunchOptions());

    public static string[] TlsArgs(string dir, string name) =>
        ["--tls-cert", Path.Combine(dir, name + ".pem"), "--tls-key", Path.Combine(dir, name + ".key"), "--tls-ca", Path.Combine(dir, "ca.pem")];

    public static FleetCertificates Load(string dir, string name) =>
        FleetCertificates.Load(Path.Combine(dir, name + ".pem"), Path.Combine(dir, name + ".key"), Path.Combine(dir, "ca.pem"));

    public async Task DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }

        _http.ForEach(h => h.Dispose());
        await _database.DisposeAsync();
        Directory.Delete(Certificates, recursive: true);
    }

    private IEnumerable<FleetMember> Silos
    {
        get
        {
            lock (_members)
            {
                return [.. _members.Where(m => m.Spec.Kind == MemberKind.Silo)];
            }
        }
    }

    private FleetMember Start(MemberSpec spec, LaunchOptions options)
    {
        var member = new FleetMember(spec, ProductPaths.Checkout, options);
        lock (_members)
        {
            _members.Add(member);
        }

        member.Start();
        return member;
    }

    private async Task StartSiloAsync(string name)
    {
        var silo = Start(MemberSpec.Silo(name, SiloPorts.Free(), $"--Cms:ClusterId={ClusterId}",
                $"--Cms:Tls:CertificatePath={Path.Combine(Certificates, name + ".pem")}",
                $"--Cms:Tls:KeyPath={Path.Combine(Certificates, name + ".key")}",
                $"--Cms:Tls:CaPath={Path.Combine(Certificates, "ca.pem")}"),
            new LaunchOptions { Environment = _database.SiloEnvironment });
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{silo.Spec.Ports!.Http}") };
        lock (_members)
        {
            _http.Add(http);
        }

        if (await SiloHealth.WaitAsync(silo, http, TimeSpan.FromSeconds(60), notYet: Transient.HttpUnreachable) is var health and not HealthWait.Healthy)
        {
            throw new TimeoutException($"TLS silo {name} is not healthy ({health}){Environment.NewLine}{string.Join(Environment.NewLine, silo.Output.TakeLast(20))}");
        }
    }
}
