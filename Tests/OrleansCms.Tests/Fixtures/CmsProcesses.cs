using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansCms.Api;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// A whole CMS made of real processes on a database of its own, every connection mutual TLS as in production
/// (<see cref="TestCertificates"/>): N silo processes (killed with SIGKILL and
/// restarted on the same ports by the tests), ECU agent processes, and an Orleans client on every gateway.
/// </summary>
public sealed class CmsProcesses : IAsyncDisposable
{
    private readonly TestDatabase _database;
    private readonly string _clusterId = $"proc-{Guid.NewGuid():N}"[..20];
    private readonly IReadOnlyList<string> _addresses;
    private readonly List<FleetMember> _silos;
    private readonly List<HttpClient> _http;
    private readonly List<AgentProcess> _agents = [];
    private readonly FleetTlsFiles _tls;
    private FleetCertificates? _certificates;
    private IHost? _client;

    private CmsProcesses(TestDatabase database, int silos, string advertisedIp, FleetTlsFiles tls, IReadOnlyList<SimulatedHost>? hosts)
    {
        _database = database;
        _addresses = hosts?.Select(h => h.Address).ToList() ?? [.. Enumerable.Repeat(advertisedIp, silos)];
        _tls = tls;
        _silos = [.. Enumerable.Range(0, silos).Select(i => new FleetMember(
            MemberSpec.Silo($"silo-{i + 1}", SiloPorts.Free(), [$"--Cms:ClusterId={_clusterId}", $"--Cms:AdvertisedIp={_addresses[i]}", .. tls.SiloSettings($"silo-{i + 1}")]),
            ProductPaths.Checkout, new LaunchOptions { Environment = database.SiloEnvironment, Prefix = hosts?[i].ExecPrefix ?? [] }))];
        _http = [.. _silos.Select((s, i) => OperatorTokenHandler.Client(tls, TestCertificates.Operator, new Uri($"http://{_addresses[i]}:{s.Spec.Ports!.Http}"), TimeSpan.FromSeconds(15)))];
    }

    public IGrainFactory Grains => Client;

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    public TestDatabase Database => _database;

    /// <summary>The cluster id the silos run with (an agent's <c>--cluster-id</c>).</summary>
    public string ClusterId => _clusterId;

    /// <summary>Every gateway, as an agent's <c>--cms</c> takes them.</summary>
    public string GatewayList => string.Join(",", _silos.Select((s, i) => $"{_addresses[i]}:{s.Spec.Ports!.Gateway}"));

    public IReadOnlyList<AgentProcess> Agents => _agents;

    /// <summary>The TLS options of an agent's migrate command: it speaks as the tests' operator.</summary>
    public IReadOnlyList<string> OperatorTlsOptions => _tls.AgentOptions(TestCertificates.Operator);

    /// <summary>
    /// Starts the silos on a fresh database of the test server (or of <paramref name="server"/>), reachable at
    /// <paramref name="advertisedIp"/> (one of this host's addresses), or each on a simulated host of its own (one of
    /// <paramref name="hosts"/> per silo).
    /// </summary>
    public static async Task<CmsProcesses> StartAsync(int silos = 2, string? server = null, string advertisedIp = "127.0.0.1",
        IReadOnlyList<SimulatedHost>? hosts = null)
    {
        var tls = TestCertificates.Get();
        var cms = new CmsProcesses(await TestDatabase.CreateAsync(server: server), hosts?.Count ?? silos, advertisedIp, tls, hosts);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, cms._silos.Count).Select(cms.StartSiloAsync));
            var certificates = cms._certificates = tls.Load(TestCertificates.Operator);
            cms._client = Host.CreateDefaultBuilder()
                .UseContentRoot(AppContext.BaseDirectory)
                // The tests kill silos on purpose: the client's warnings about the dropped connections are expected, only noise.
                .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
                .UseOrleansClient(c => c
                    .UseFleetTls(certificates, TestCertificates.AnyEcuOrOperator())
                    .UseStaticClustering([.. cms._silos.Select((s, i) => new IPEndPoint(IPAddress.Parse(cms._addresses[i]), s.Spec.Ports!.Gateway))])
                    .Configure<ClusterOptions>(o => { o.ClusterId = cms._clusterId; o.ServiceId = "orleans-cms"; })
                    .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10)))
                .Build();
            await cms._client.StartAsync();
            return cms;
        }
        catch
        {
            // xunit disposes only what it got: a start that failed half-way must not leave silos running.
            await cms.DisposeAsync();
            throw;
        }
    }

    public HttpClient Http(int silo) => _http[silo];

    public bool SiloRunning(int silo) => _silos[silo].Process is { HasExited: false };

    /// <summary>The index of the silo whose runtime identity (as a grain reports it) is <paramref name="identity"/>.</summary>
    public int SiloIndexOf(string identity) =>
        _silos.FindIndex(s => identity.Contains($":{s.Spec.Ports!.Silo}:", StringComparison.Ordinal)) is var index and >= 0
            ? index
            : throw new ArgumentException($"no silo of this test has the identity {identity}");

    /// <summary>The last lines a silo process wrote (its current or, after a kill, its last incarnation).</summary>
    public IReadOnlyList<string> SiloOutput(int silo, int lines = 200) => [.. _silos[silo].Output.TakeLast(lines)];

    /// <summary>SIGKILL of one silo process.</summary>
    public void KillSilo(int silo) => _silos[silo].Kill();

    /// <summary>
    /// Stops one silo gracefully (SIGTERM, as systemd or an operator's upgrade does) and returns its exit code, or
    /// null when it did not exit by itself within <paramref name="grace"/> and was SIGKILLed.
    /// </summary>
    public async Task<int?> StopSiloAsync(int silo, TimeSpan grace)
    {
        var process = _silos[silo].Process!;
        await _silos[silo].StopAsync(grace);
        var exit = await process.Exited;
        return exit == 137 ? null : exit;
    }

    /// <summary>Starts the silo again on its old ports and waits until it is healthy.</summary>
    public async Task RestartSiloAsync(int silo)
    {
        await _silos[silo].KillAsync();
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
        var spec = MemberSpec.Agent($"agent {mac}", mac, GatewayList,
            ["--cluster-id", _clusterId, "--ram-mb", ramMb.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cpu-cores", "2",
             .. TestCertificates.AgentOptions(mac), .. programs.SelectMany(program => new[] { "--program", program })]);
        var agent = AgentProcess.Start(new FleetMember(spec, ProductPaths.Checkout, new LaunchOptions { Prefix = network?.ExecPrefix ?? [] }));
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

    /// <summary>
    /// Ends one test on a CMS that the next test reuses. The silos the test killed are started again; the restorations
    /// of its failed ECUs must have finished (a pending one would place its programs on the next test's ECUs); every
    /// ECU of the test that is still alive is retired (a retired ECU is no placement candidate and is never declared
    /// failed); and the agents are killed with their programs, whatever happened before.
    /// </summary>
    public async Task EndTestAsync()
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _silos.Count).Where(i => !SiloRunning(i)).Select(RestartSiloAsync));
            var views = await Task.WhenAll(_agents.Select(agent => Grains.GetGrain<IEcuGrain>(agent.Mac).GetAsync()));
            foreach (var failed in views.Where(v => v.Status == EcuStatus.Failed))
            {
                await FleetProbe.WaitFinishedAsync(Grains, $"failure:{failed.Mac}:{failed.FailureEpoch}");
            }

            foreach (var alive in views.Where(v => v.Status == EcuStatus.Alive))
            {
                await Grains.GetGrain<IEcuGrain>(alive.Mac).RetireAsync("the test ended");
            }
        }
        finally
        {
            foreach (var agent in _agents)
            {
                await agent.DisposeAsync();
            }

            _agents.Clear();
        }
    }

    /// <summary>The logical programs of the ECUs this test started (on a shared CMS, earlier tests' ECUs stay known).</summary>
    public Task<IReadOnlyList<LogicalProgram>> ProgramsAsync() => FleetProbe.ProgramsAsync(Grains, _agents.Select(a => a.Mac));

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

        _certificates?.Dispose();

        _http.ForEach(http => http.Dispose());
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    private async Task StartSiloAsync(int index)
    {
        var silo = _silos[index];
        silo.Start();
        // An exited silo never becomes healthy: stop waiting at once and report its output below.
        switch (await SiloHealth.WaitAsync(silo, _http[index], TimeSpan.FromSeconds(60), notYet: Transient.HttpUnreachable, host: _addresses[index]))
        {
            case HealthWait.Healthy:
                return;
            case HealthWait.Exited:
                throw new InvalidOperationException($"silo {index} exited while starting{Environment.NewLine}{StartOutput(silo.Process!)}");
            default:
                throw new TimeoutException($"Timed out after 60 s waiting until silo {index} is healthy{Environment.NewLine}{StartOutput(silo.Process!)}");
        }
    }

    private static string StartOutput(DotnetProcess silo) =>
        $"The silo's output:{Environment.NewLine}{string.Join(Environment.NewLine, silo.StandardOutput.TakeLast(60))}"
        + $"{Environment.NewLine}Its standard error:{Environment.NewLine}{string.Join(Environment.NewLine, silo.StandardError.TakeLast(30))}";
}
