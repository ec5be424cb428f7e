using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansCms.Cli;
using OrleansCms.Fleet;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Fleet certificates (two ECUs, an operator, two silos, plus a rogue CA's ECU A) and two silo processes with
/// mutual TLS on a database of their own, shared by the tests of the <see cref="FleetTlsCollection"/>.
/// </summary>
public sealed class FleetTlsCluster : IAsyncLifetime
{
    private readonly List<FleetMember> _members = [];
    private readonly List<HttpClient> _http = [];
    private TestDatabase _database = null!;

    /// <summary>ECU A, which the tests play (and whose agent one test runs).</summary>
    public static FleetIdentity EcuA { get; } = FleetIdentity.Ecu("02:00:00:00:7a:01");

    /// <summary>ECU B, whose grains ECU A must not touch.</summary>
    public static FleetIdentity EcuB { get; } = FleetIdentity.Ecu("02:00:00:00:7a:02");

    public static FleetIdentity Operator { get; } = FleetIdentity.Operator("ops");

    public static FleetIdentity Silo1 { get; } = FleetIdentity.Silo("silo-1");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"cms-tls-{Guid.NewGuid():N}");

    public FleetTlsFiles Certificates => new(_folder);

    /// <summary>Another CA's certificates, under the same names.</summary>
    public FleetTlsFiles RogueCertificates => new(Path.Combine(_folder, "rogue"));

    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..20];

    public IReadOnlyList<int> GatewayPorts => [.. Silos.Select(s => s.Spec.Ports!.Gateway)];

    public HttpClient Http => _http[0];

    /// <summary>The cluster's database (as its owner), to check what a refused call left in it.</summary>
    public TestDatabase Database => _database;

    /// <summary>The fleet's gateways, for a client of the tests' own.</summary>
    public IReadOnlyList<IPEndPoint> Gateways => [.. GatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p))];

    /// <summary>
    /// A client of the tests' own, through every gateway or only <paramref name="gateway"/>, that tries once: it
    /// connects or throws. With <paramref name="sessions"/> it opens sessions as the product's clients do; without,
    /// its calls carry none (what the silos must refuse).
    /// </summary>
    public async Task<IHost> ConnectAsync(FleetCertificates? tls, IPEndPoint? gateway = null, bool sessions = true)
    {
        IPEndPoint[] gateways = gateway is null ? [.. Gateways] : [gateway];
        IHost host;
        if (sessions || tls is null)
        {
            host = CmsClientHost.Create(gateways, ClusterId, "orleans-cms", tls, keepTrying: () => false).Build();
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            builder.UseOrleansClient(client => client
                .UseTls(options =>
                {
                    options.LocalCertificate = tls.Own;
                    options.RemoteCertificateValidation = (certificate, _, _) => tls.IsSilo(certificate);
                })
                .UseStaticClustering(gateways)
                .Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = "orleans-cms"; }));
            host = builder.Build();
        }

        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A new ECU of the fleet (a fresh MAC and its certificate), connected with sessions as its agent would be.</summary>
    public async Task<ConnectedEcu> ConnectNewEcuAsync()
    {
        var identity = FleetIdentity.Ecu(ClusterFixture.NewMac());
        Certificates.Ensure([identity]);
        var tls = Certificates.Load(identity);
        try
        {
            return new ConnectedEcu(identity, tls, await ConnectAsync(tls));
        }
        catch
        {
            tls.Dispose();
            throw;
        }
    }

    public async Task InitializeAsync()
    {
        Certificates.Ensure([Silo1, FleetIdentity.Silo("silo-2"), EcuA, EcuB, Operator]);
        RogueCertificates.Ensure([EcuA]);
        _database = await TestDatabase.CreateAsync();
        await Task.WhenAll(StartSiloAsync("silo-1"), StartSiloAsync("silo-2"));
    }

    /// <summary>Starts an agent for ECU <paramref name="mac"/> on the fleet's gateways, which the fixture stops at the end.</summary>
    public FleetMember StartAgent(string mac, params IEnumerable<string> options) =>
        Start(MemberSpec.Agent($"agent {mac}", mac, FleetLayout.Gateways(Silos.Select(s => s.Spec)), options), new LaunchOptions());


    public async Task DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.DisposeAsync();
        }

        _http.ForEach(h => h.Dispose());
        await _database.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
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
        var silo = Start(MemberSpec.Silo(name, SiloPorts.Free(), [$"--Cms:ClusterId={ClusterId}", .. Certificates.SiloSettings(name)]),
            new LaunchOptions { Environment = _database.SiloEnvironment });
        var http = OperatorTokenHandler.Client(Certificates, Operator, new Uri($"http://127.0.0.1:{silo.Spec.Ports!.Http}"));
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

/// <summary>An ECU of the tests' own: who it is, its certificates, and its client host.</summary>
public sealed record ConnectedEcu(FleetIdentity Identity, FleetCertificates Tls, IHost Host) : IDisposable
{
    public void Dispose()
    {
        Host.Dispose();
        Tls.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class FleetTlsCollection : ICollectionFixture<FleetTlsCluster>
{
    public const string Name = "fleet over mutual TLS";
}
