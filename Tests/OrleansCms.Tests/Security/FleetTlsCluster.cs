using System.Diagnostics;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Fleet certificates made by scripts/fleet-certs.sh (plus a rogue CA's), and two silo processes with mutual
/// TLS on a database of their own, shared by the tests of a class.
/// </summary>
public sealed class FleetTlsCluster : IAsyncLifetime
{
    private readonly List<ChildProcess> _processes = [];
    private readonly List<HttpClient> _http = [];
    private readonly List<int> _gatewayPorts = [];
    private TestDatabase _database = null!;

    public string Certificates { get; } = Path.Combine(Path.GetTempPath(), $"cms-tls-{Guid.NewGuid():N}");

    public string RogueCertificates => Path.Combine(Certificates, "rogue");

    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..20];

    public IReadOnlyList<int> GatewayPorts => _gatewayPorts;

    public HttpClient Http => _http[0];

    public async Task InitializeAsync()
    {
        await MakeCertificatesAsync(Certificates, "silo-1", "silo-2", "ecu");
        await MakeCertificatesAsync(RogueCertificates, "ecu");
        _database = await TestDatabase.CreateAsync();
        await Task.WhenAll(StartSiloAsync("silo-1"), StartSiloAsync("silo-2"));
    }

    /// <summary>Starts a process that the fixture stops at the end.</summary>
    public ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = ChildProcess.StartDotnet(dll, args, environment);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    public static string[] TlsArgs(string dir, string name) =>
        ["--tls-cert", Path.Combine(dir, name + ".pem"), "--tls-key", Path.Combine(dir, name + ".key"), "--tls-ca", Path.Combine(dir, "ca.pem")];

    public static FleetCertificates Load(string dir, string name) =>
        FleetCertificates.Load(Path.Combine(dir, name + ".pem"), Path.Combine(dir, name + ".key"), Path.Combine(dir, "ca.pem"));

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _http.ForEach(h => h.Dispose());
        await _database.DisposeAsync();
        Directory.Delete(Certificates, recursive: true);
    }

    private async Task StartSiloAsync(string name)
    {
        var (siloPort, gatewayPort, httpPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        lock (_processes)
        {
            _gatewayPorts.Add(gatewayPort);
            _http.Add(http);
        }

        var silo = Start(RepoPaths.SiloDll,
            [$"--Cms:SiloPort={siloPort}", $"--Cms:GatewayPort={gatewayPort}", $"--Cms:HttpPort={httpPort}", $"--Cms:ClusterId={ClusterId}",
             $"--Cms:Tls:CertificatePath={Path.Combine(Certificates, name + ".pem")}",
             $"--Cms:Tls:KeyPath={Path.Combine(Certificates, name + ".key")}",
             $"--Cms:Tls:CaPath={Path.Combine(Certificates, "ca.pem")}"],
            new Dictionary<string, string?> { ["CMS_POSTGRES"] = _database.ConnectionString });
        await Eventually.TrueAsync(async () => !silo.HasExited && (await http.GetAsync("/health")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60), $"TLS silo {name} is healthy{Environment.NewLine}{string.Join(Environment.NewLine, silo.StandardOutput.TakeLast(20))}",
            Transient.HttpUnreachable);
    }

    private static async Task MakeCertificatesAsync(string dir, params string[] names)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepoPaths.Root, "scripts", "fleet-certs.sh"));
        info.ArgumentList.Add(dir);
        names.ToList().ForEach(info.ArgumentList.Add);
        using var script = Process.Start(info)!;
        var errors = await script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.True(script.ExitCode == 0, $"fleet-certs.sh failed: {errors}");
    }
}
