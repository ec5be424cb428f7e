using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A whole CMS made of real processes on a database of its own: N silo processes (killed with SIGKILL and
/// restarted on the same ports by the tests), ECU agent processes, and an Orleans client on every gateway.
/// </summary>
public sealed class CmsProcesses : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly string _clusterId = $"proc-{Guid.NewGuid():N}"[..20];
    private readonly string _advertisedIp;
    private readonly List<Slot> _silos;
    private readonly List<AgentProcess> _agents = [];
    private IHost? _client;

    private CmsProcesses(TestDatabase database, int silos, string advertisedIp)
    {
        _database = database;
        _advertisedIp = advertisedIp;
        _silos = [.. Enumerable.Range(0, silos).Select(_ => new Slot(advertisedIp, FreePorts.Next(), FreePorts.Next(), FreePorts.Next()))];
    }

    public IGrainFactory Grains => Client;

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    public TestDatabase Database => _database;

    /// <summary>The cluster id the silos run with (an agent's <c>--cluster-id</c>).</summary>
    public string ClusterId => _clusterId;

    /// <summary>Every gateway, as an agent's <c>--cms</c> takes them.</summary>
    public string GatewayList => string.Join(",", _silos.Select(s => $"127.0.0.1:{s.GatewayPort}"));

    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>
    /// Starts the silos on a fresh database of the test server (or of <paramref name="server"/>), reachable at
    /// <paramref name="advertisedIp"/> (one of this host's addresses).
    /// </summary>
    public static async Task<CmsProcesses> StartAsync(int silos = 2, string? server = null, string advertisedIp = "127.0.0.1")
    {
        var cms = new CmsProcesses(await TestDatabase.CreateAsync(server: server), silos, advertisedIp);
        await Task.WhenAll(Enumerable.Range(0, silos).Select(cms.StartSiloAsync));
        cms._client = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => c
                .UseStaticClustering([.. cms._silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort))])
                .Configure<ClusterOptions>(o => { o.ClusterId = cms._clusterId; o.ServiceId = "orleans-cms"; })
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10)))
            .Build();
        await cms._client.StartAsync();
        return cms;
    }

    public HttpClient Http(int silo) => _silos[silo].Http;

    public bool SiloRunning(int silo) => _silos[silo].Process is { HasExited: false };

    /// <summary>The index of the silo whose runtime identity (as a grain reports it) is <paramref name="identity"/>.</summary>
    public int SiloIndexOf(string identity) =>
        _silos.FindIndex(s => identity.Contains($":{s.SiloPort}:", StringComparison.Ordinal)) is var index and >= 0
            ? index
            : throw new ArgumentException($"no silo of this test has the identity {identity}");

    /// <summary>The last lines a silo process wrote (its current or, after a kill, its last incarnation).</summary>
    public IReadOnlyList<string> SiloOutput(int silo, int lines = 200) =>
        [.. _silos[silo].Earlier.Concat(_silos[silo].Process?.StandardOutput ?? []).TakeLast(lines)];

    /// <summary>SIGKILL of one silo process.</summary>
    public void KillSilo(int silo) => _silos[silo].Process?.Kill();

    /// <summary>Starts the silo again on its old ports and waits until it is healthy.</summary>
    public async Task RestartSiloAsync(int silo)
    {
        if (_silos[silo].Process is { } old)
        {
            await old.DisposeAsync();
            _silos[silo].Earlier.AddRange(old.StandardOutput.Append("---- restarted ----"));
        }

        await StartSiloAsync(silo);
    }

    /// <summary>
    /// Starts an agent process for a simulated ECU of <paramref name="ramMb"/> MiB and waits until the CMS sees
    /// it alive, with its command observer attached and its declared programs in the catalogue.
    /// </summary>
    public Task<AgentProcess> StartAgentAsync(string mac, long ramMb, params string[] programs) =>
        StartAgentAsync(mac, ramMb, programs, waitForPrograms: true);

    /// <summary>
    /// Starts an agent; without <paramref name="waitForPrograms"/> it only waits until the ECU is alive with its
    /// observer attached (under load an ECU may be declared failed while its programs start, and rightly lose them).
    /// Given a <paramref name="network"/> namespace, the agent runs inside it and reaches the gateways through its link.
    /// </summary>
    public async Task<AgentProcess> StartAgentAsync(string mac, long ramMb, IReadOnlyList<string> programs, bool waitForPrograms,
        NetworkNamespace? network = null)
    {
        var gateways = network is null ? GatewayList : string.Join(",", _silos.Select(s => $"{network.HostAddress}:{s.GatewayPort}"));
        var args = new List<string> { "--cms", gateways, "--cluster-id", _clusterId, "--mac", mac, "--ram-mb", ramMb.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cpu-cores", "2" };
        foreach (var program in programs)
        {
            args.AddRange(["--program", program]);
        }

        var agent = new AgentProcess(mac, ChildProcess.StartDotnet(RepoPaths.EcuAgentDll, args, prefix: network?.ExecPrefix));
        _agents.Add(agent);
        try
        {
            await Eventually.ReturnsAsync(() => Grains.GetGrain<IEcuGrain>(mac).GetAsync(),
                v => v.Status == EcuStatus.Alive && v.AgentAttached
                    && (!waitForPrograms || v.Catalogue.Count(p => p.Status == ProgramEntryStatus.Active) >= programs.Count),
                TimeSpan.FromSeconds(60), $"agent {mac} is alive with {programs.Count} programs", Transient.SiloLost);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}The agent's output:{Environment.NewLine}{agent}", e);
        }

        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var slot in _silos)
        {
            slot.Http.Dispose();
            if (slot.Process is { } process)
            {
                await process.DisposeAsync();
            }
        }

        await _database.DisposeAsync();
    }

    private async Task StartSiloAsync(int index)
    {
        var slot = _silos[index];
        slot.Process = ChildProcess.StartDotnet(RepoPaths.SiloDll,
            [$"--Cms:SiloPort={slot.SiloPort}", $"--Cms:GatewayPort={slot.GatewayPort}", $"--Cms:HttpPort={slot.HttpPort}", $"--Cms:ClusterId={_clusterId}", $"--Cms:AdvertisedIp={_advertisedIp}"],
            new Dictionary<string, string?> { ["CMS_POSTGRES"] = _database.ConnectionString });
        try
        {
            // An exited silo never becomes healthy: stop waiting at once and report its output below.
            await Eventually.ReturnsAsync(async () => slot.Process.HasExited || (await slot.Http.GetAsync("/health")).IsSuccessStatusCode,
                healthyOrExited => healthyOrExited, TimeSpan.FromSeconds(60), $"silo {index} is healthy", Transient.HttpUnreachable);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{StartOutput(slot.Process)}", e);
        }

        if (slot.Process.HasExited)
        {
            throw new InvalidOperationException($"silo {index} exited while starting{Environment.NewLine}{StartOutput(slot.Process)}");
        }
    }

    private static string StartOutput(ChildProcess silo) =>
        $"The silo's output:{Environment.NewLine}{string.Join(Environment.NewLine, silo.StandardOutput.TakeLast(60))}"
        + $"{Environment.NewLine}Its standard error:{Environment.NewLine}{string.Join(Environment.NewLine, silo.StandardError.TakeLast(30))}";

    private sealed class Slot(string ip, int siloPort, int gatewayPort, int httpPort)
    {
        public int SiloPort { get; } = siloPort;

        public int GatewayPort { get; } = gatewayPort;

        public HttpClient Http { get; } = new() { BaseAddress = new Uri($"http://{ip}:{httpPort}"), Timeout = TimeSpan.FromSeconds(15) };

        public int HttpPort { get; } = httpPort;

        public ChildProcess? Process { get; set; }

        /// <summary>The output of the slot's earlier, killed processes.</summary>
        public List<string> Earlier { get; } = [];
    }
}
