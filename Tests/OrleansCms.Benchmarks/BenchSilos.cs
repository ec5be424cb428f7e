using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansCms.Benchmarks;

/// <summary>Two real silo processes on a fresh database, and an Orleans client connected to their gateways.</summary>
public sealed class BenchSilos : IAsyncDisposable
{
    private readonly List<Process> _silos = [];
    private IHost? _client;

    public required string DatabaseConnectionString { get; init; }

    public IClusterClient Client => _client!.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchSilos> StartAsync(string serverConnectionString, string siloDll)
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
        var gateways = new List<IPEndPoint>();
        for (var i = 0; i < 2; i++)
        {
            var (silo, gateway, http) = (FreePort(), FreePort(), FreePort());
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(siloDll);
            info.ArgumentList.Add($"--Cms:SiloPort={silo}");
            info.ArgumentList.Add($"--Cms:GatewayPort={gateway}");
            info.ArgumentList.Add($"--Cms:HttpPort={http}");
            info.ArgumentList.Add($"--Cms:ClusterId={database}");
            info.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
            info.Environment["CMS_POSTGRES"] = bench.DatabaseConnectionString;
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[silo-{i + 1}] {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            bench._silos.Add(process);
            gateways.Add(new IPEndPoint(IPAddress.Loopback, gateway));
            await WaitHealthyAsync(http, process);
        }

        bench._client = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(c => c
                .UseStaticClustering([.. gateways])
                .Configure<Orleans.Configuration.ClusterOptions>(o => { o.ClusterId = database; o.ServiceId = "orleans-cms"; }))
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
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
