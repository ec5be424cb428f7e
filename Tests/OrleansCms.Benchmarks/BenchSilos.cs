using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCms.Fleet;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Real silo processes (two unless told) on a database of their own, an Orleans client connected to their gateways,
/// and the agent processes a benchmark starts. Silos' errors and agents' errors are copied to standard error.
/// As in production, every Orleans connection is mutual TLS and every call of an ECU or operator carries its session
/// (the client plays each ECU with a certificate of its own); <c>tls: false</c> runs plain, for a side-by-side cost.
/// </summary>
public sealed class BenchSilos : IAsyncDisposable
{
    private readonly FleetDatabase _database;
    private readonly List<FleetMember> _silos;
    private readonly HttpClient _http = new();
    private IHost? _client;
    private readonly List<IHost> _moreClients = [];
    private TimeSpan? _responseTimeout;

    private static readonly FleetIdentity Operator = FleetIdentity.Operator("bench");
    private static readonly Lock Issuing = new();
    private readonly string _advertisedIp;
    private FleetCertificates? _certificates;

    private BenchSilos(FleetDatabase database, int silos, string advertisedIp, FleetTlsFiles? tls, IReadOnlyList<string> settings)
    {
        _database = database;
        _advertisedIp = advertisedIp;
        Tls = tls;
        var options = new LaunchOptions { Environment = database.SiloEnvironment };
        _silos = [.. Enumerable.Range(1, silos).Select(n => new FleetMember(
            MemberSpec.Silo($"silo-{n}", SiloPorts.Free(), [$"--Cms:ClusterId={ClusterId}", $"--Cms:AdvertisedIp={advertisedIp}", "--Logging:LogLevel:Default=Warning",
                .. tls?.SiloSettings($"silo-{n}") ?? [], .. settings]),
            ProductPaths.Checkout, options with { Output = CopyErrors($"silo-{n}") }))];
    }

    /// <summary>The fleet's CA and certificates (in the benchmark logs' folder), or null when the silos run plain.</summary>
    public FleetTlsFiles? Tls { get; }

    public string DatabaseConnectionString => _database.ConnectionString;

    public IReadOnlyList<FleetMember> Silos => _silos;

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    /// <summary>The cluster id agents must join (one per benchmark database).</summary>
    public string ClusterId => _database.Name;

    /// <summary>The gateways in the agents' <c>--cms</c> syntax.</summary>
    public string GatewayList => FleetLayout.Gateways(_silos.Select(s => s.Spec), _advertisedIp);

    /// <summary>
    /// Starts <paramref name="silos"/> silos on a new database; <paramref name="responseTimeout"/> bounds the client's
    /// calls (Orleans' default is 30 s, long when a benchmark kills silos on purpose). The silos advertise
    /// <paramref name="advertisedIp"/>, a local address of the host (the host end of a <see cref="NetworkNamespace"/>'s link).
    /// Without <paramref name="tls"/> they run plain (and warn that they do). <paramref name="settings"/> are further configuration overrides of every silo (<c>--Cms:Liveness:Lease=00:00:01</c>).
    /// </summary>
    public static async Task<BenchSilos> StartAsync(string serverConnectionString, int silos = 2, TimeSpan? responseTimeout = null, string advertisedIp = "127.0.0.1",
        bool tls = true, IReadOnlyList<string>? settings = null)
    {
        var files = tls ? Certificates(silos) : null;
        var bench = new BenchSilos(await FleetDatabase.CreateAsync(serverConnectionString, "cms_bench"), silos, advertisedIp, files, settings ?? []);
        foreach (var silo in bench._silos)
        {
            await bench.StartSiloAsync(silo);
        }

        bench._certificates = files?.Load(Operator);
        bench._responseTimeout = responseTimeout;
        bench._client = await bench.StartClientAsync();
        return bench;
    }

    /// <summary>
    /// Connects one more Orleans client of its own (its own connections to every gateway, its own sessions), as another
    /// group of ECUs would: load spread over many connections rather than one shared client. Disposed with the silos.
    /// </summary>
    public async Task<IClusterClient> ConnectAnotherClientAsync()
    {
        var client = await StartClientAsync();
        _moreClients.Add(client);
        return client.Services.GetRequiredService<IClusterClient>();
    }

    private async Task<IHost> StartClientAsync()
    {
        var gateways = _silos.Select(s => new IPEndPoint(IPAddress.Parse(_advertisedIp), s.Spec.Ports!.Gateway)).ToArray();
        var (certificates, files) = (_certificates, Tls);
        var client = Host.CreateDefaultBuilder()
            .UseContentRoot(AppContext.BaseDirectory) // not the checkout, which a configuration watch would follow file by file
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error))
            .UseOrleansClient(c =>
            {
                c.UseStaticClustering(gateways)
                    .Configure<Orleans.Configuration.ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = "orleans-cms"; })
                    .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = _responseTimeout ?? o.ResponseTimeout);
                if (certificates is not null)
                {
                    c.UseFleetTls(certificates, new MintedEcuCredentials(files!, Operator));
                }
            })
            .Build();
        await client.StartAsync();
        return client;
    }

    /// <summary>
    /// Starts a real agent process for ECU <paramref name="mac"/> with <paramref name="programs"/>; each line of its
    /// output goes to <paramref name="onOutput"/> when given, else nowhere. Given a <paramref name="network"/>, it runs
    /// inside that namespace. Disposing it SIGKILLs it with its programs.
    /// </summary>
    public FleetMember StartAgent(string mac, long ramMb, IEnumerable<string> programs, Action<string>? onOutput = null, NetworkNamespace? network = null)
    {
        var spec = MemberSpec.Agent($"agent {mac}", mac, GatewayList,
            ["--cluster-id", ClusterId, "--ram-mb", $"{ramMb}", "--cpu-cores", "2", .. AgentTlsOptions(mac), .. programs.SelectMany(p => new[] { "--program", p })]);
        var agent = new FleetMember(spec, ProductPaths.Checkout, new LaunchOptions { Output = CopyErrors(spec.Name) with { OnOutput = onOutput }, Prefix = network?.ExecPrefix ?? [] });
        agent.Start();
        return agent;
    }

    /// <summary>Starts the silo (again, after a kill) on its ports and waits until it is healthy.</summary>
    public async Task StartSiloAsync(FleetMember silo)
    {
        silo.Start();
        if (await SiloHealth.WaitAsync(silo, _http, TimeSpan.FromSeconds(60), host: _advertisedIp) != HealthWait.Healthy)
        {
            throw new InvalidOperationException($"silo on HTTP port {silo.Spec.Ports!.Http} did not become healthy");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _moreClients.Prepend(_client).OfType<IHost>())
        {
            await client.StopAsync();
            client.Dispose();
        }

        _certificates?.Dispose();
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        _http.Dispose();
        // Runs do not pile up in the benchmark server; CMS_BENCH_KEEP_DB=1 keeps the database for a look afterwards.
        if (Environment.GetEnvironmentVariable("CMS_BENCH_KEEP_DB") == "1")
        {
            _database.Keep = true;
            Console.Error.WriteLine($"bench: database {ClusterId} kept (CMS_BENCH_KEEP_DB=1)");
        }

        await _database.DisposeAsync();
    }

    /// <summary>The fleet CA and the certificates of silos 1 to <paramref name="silos"/> and the operator, made on first use.</summary>
    private static FleetTlsFiles Certificates(int silos)
    {
        var logs = Environment.GetEnvironmentVariable("CMS_BENCH_LOGS") is { Length: > 0 } folder ? folder : Path.GetTempPath();
        var files = new FleetTlsFiles(Path.Combine(logs, "bench-certs"));
        lock (Issuing)
        {
            files.Ensure([.. Enumerable.Range(1, silos).Select(n => FleetIdentity.Silo($"silo-{n}")), Operator]);
        }

        return files;
    }

    private IReadOnlyList<string> AgentTlsOptions(string mac)
    {
        if (Tls is null)
        {
            return [];
        }

        var ecu = FleetIdentity.Ecu(mac);
        lock (Issuing)
        {
            Tls.Ensure([ecu]);
        }

        return Tls.AgentOptions(ecu);
    }

    private static MemberOutput CopyErrors(string name) => new() { OnError = line => Console.Error.WriteLine($"[{name}] {line}") };
}
