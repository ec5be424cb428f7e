using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Benchmarks;

/// <summary>Real silo processes (two unless told) on a fresh database, and an Orleans client connected to their gateways.</summary>
public sealed class BenchSilos : IAsyncDisposable
{
    private readonly List<BenchSilo> _silos = [];
    private IHost? _client;
    private string _siloDll = "";
    private string _clusterId = "";
    private string _serverConnectionString = "";

    public required string DatabaseConnectionString { get; init; }

    public IReadOnlyList<BenchSilo> Silos => _silos;

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    /// <summary>The cluster id agents must join (one per benchmark database).</summary>
    public string ClusterId => _clusterId;

    /// <summary>The gateways in the agents' <c>--cms</c> syntax.</summary>
    public string GatewayList => string.Join(",", _silos.Select(s => $"127.0.0.1:{s.GatewayPort}"));

    /// <summary>
    /// Starts <paramref name="silos"/> silos on a new database; <paramref name="responseTimeout"/> bounds the client's
    /// calls (Orleans' default is 30 s, long when a benchmark kills silos on purpose).
    /// </summary>
    public static async Task<BenchSilos> StartAsync(string serverConnectionString, string siloDll, int silos = 2, TimeSpan? responseTimeout = null)
    {
        var database = $"cms_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using (var admin = new NpgsqlConnection(serverConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var bench = new BenchSilos
        {
            DatabaseConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString,
        };
        bench._siloDll = siloDll;
        bench._serverConnectionString = serverConnectionString;
        bench._clusterId = database;
        for (var i = 0; i < silos; i++)
        {
            bench._silos.Add(new BenchSilo(i + 1, FreePorts.Next(), FreePorts.Next(), FreePorts.Next()));
            await bench.StartSiloAsync(bench._silos[i]);
        }

        var gateways = bench._silos.Select(s => new IPEndPoint(IPAddress.Loopback, s.GatewayPort)).ToArray();
        bench._client = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Error))
            .UseOrleansClient(c => c
                .UseStaticClustering(gateways)
                .Configure<Orleans.Configuration.ClusterOptions>(o => { o.ClusterId = database; o.ServiceId = "orleans-cms"; })
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout ?? o.ResponseTimeout))
            .Build();
        await bench._client.StartAsync();
        return bench;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var silo in _silos)
        {
            await KillAsync(silo);
        }

        await DropDatabaseAsync();
    }

    /// <summary>
    /// Drops this run's database, so that runs do not pile up in the benchmark server; CMS_BENCH_KEEP_DB=1 keeps it
    /// for a look afterwards.
    /// </summary>
    private async Task DropDatabaseAsync()
    {
        if (Environment.GetEnvironmentVariable("CMS_BENCH_KEEP_DB") == "1")
        {
            Console.Error.WriteLine($"bench: database {_clusterId} kept (CMS_BENCH_KEEP_DB=1)");
            return;
        }

        await using var admin = new NpgsqlConnection(_serverConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_clusterId} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>SIGKILL: the silo dies at once, as on a power loss.</summary>
    public static async Task KillAsync(BenchSilo silo)
    {
        if (silo.Process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the silo (again, after a kill) on its ports and waits until it is healthy.</summary>
    public async Task StartSiloAsync(BenchSilo silo)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(_siloDll);
        info.ArgumentList.Add($"--Cms:SiloPort={silo.SiloPort}");
        info.ArgumentList.Add($"--Cms:GatewayPort={silo.GatewayPort}");
        info.ArgumentList.Add($"--Cms:HttpPort={silo.HttpPort}");
        info.ArgumentList.Add($"--Cms:ClusterId={_clusterId}");
        info.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        info.Environment["CMS_POSTGRES"] = DatabaseConnectionString;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[silo-{silo.Number}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        silo.Process = process;
        await WaitHealthyAsync(silo.HttpPort, process);
    }

    private static async Task WaitHealthyAsync(int httpPort, Process process)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{httpPort}/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"silo on HTTP port {httpPort} did not become healthy");
    }
}

/// <summary>One silo process of the benchmark cluster and its ports.</summary>
public sealed class BenchSilo(int number, int siloPort, int gatewayPort, int httpPort)
{
    public int Number { get; } = number;

    public int SiloPort { get; } = siloPort;

    public int GatewayPort { get; } = gatewayPort;

    public int HttpPort { get; } = httpPort;

    public Process? Process { get; set; }
}
