using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Demo;

/// <summary>
/// The demo's fleet of processes, as its <see cref="FleetLayout"/> says, on a database of its own: the silos, an
/// Orleans client on their gateways, then the agents. Each process logs to <c>NAME.log</c> in the log folder.
/// </summary>
public sealed class DemoCms : IAsyncDisposable
{
    /// <summary>The cluster id of the demo's silos and agents.</summary>
    public const string ClusterId = "orleans-cms-demo";

    /// <summary>Who the demo's own Orleans client speaks as: an operator, which may watch and ask but not act as an ECU.</summary>
    public static FleetIdentity Operator { get; } = FleetIdentity.Operator("demo");

    private readonly FleetDatabase _database;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };
    private IHost? _client;

    private DemoCms(FleetDatabase database, FleetLayout layout, string logFolder)
    {
        _database = database;
        var environment = database.SiloEnvironment;
        var members = layout.All.Select(spec => new FleetMember(spec, ProductPaths.Checkout, new LaunchOptions
        {
            Environment = environment,
            Output = MemberOutput.ToFile(Path.Combine(logFolder, $"{spec.Name}.log")),
        })).ToList();
        Silos = [.. members.Where(m => m.Spec.Kind == MemberKind.Silo)];
        Agents = [.. members.Where(m => m.Spec.Kind == MemberKind.Agent)];
    }

    public IReadOnlyList<FleetMember> Silos { get; }

    public IReadOnlyList<FleetMember> Agents { get; }

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts the silos of <paramref name="layout"/>, waits until they are healthy, connects, then starts its agents.</summary>
    public static async Task<DemoCms> StartAsync(string serverConnectionString, FleetLayout layout, string logFolder)
    {
        var cms = new DemoCms(await FleetDatabase.CreateAsync(serverConnectionString, "cms_demo"), layout, logFolder);
        foreach (var silo in cms.Silos)
        {
            silo.Start();
        }

        foreach (var silo in cms.Silos)
        {
            if (await SiloHealth.WaitAsync(silo, cms._http, TimeSpan.FromSeconds(60)) != HealthWait.Healthy)
            {
                await cms.DisposeAsync();
                throw new InvalidOperationException($"{silo.Spec.Name} did not become healthy; its log: {silo.LogFile}");
            }
        }

        var tls = layout.Tls?.Load(Operator);
        cms._client = Host.CreateDefaultBuilder()
            .UseContentRoot(AppContext.BaseDirectory) // not the checkout, which a configuration watch would follow file by file
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error))
            .UseOrleansClient(c =>
            {
                c.UseStaticClustering([.. cms.Silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.Spec.Ports!.Gateway))])
                    .Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = "orleans-cms"; });
                if (tls is not null)
                {
                    c.UseFleetTls(tls);
                }
            })
            .Build();
        try
        {
            await cms._client.StartAsync();
        }
        catch
        {
            // Without this the silos would outlive the demo that failed to reach them.
            cms._client.Dispose();
            cms._client = null;
            await cms.DisposeAsync();
            throw;
        }

        foreach (var agent in cms.Agents)
        {
            agent.Start();
        }

        return cms;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in Agents)
        {
            await agent.DisposeAsync();
        }

        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        _http.Dispose();
        await _database.DisposeAsync();
    }
}
