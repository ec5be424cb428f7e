using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The fleet CA and certificates that the process tests' silos, agents and clients use, so that they run over
/// mutual TLS as <c>./cms up</c> does: made once per test run, in the run's results folder when <c>./cms test</c>
/// gives one.
/// </summary>
public static class TestCertificates
{
    /// <summary>The client certificate every test agent and client shows (certificates do not name a MAC yet).</summary>
    public const string Client = "ecu";

    /// <summary>Silo certificates exist for <c>silo-1</c> … <c>silo-N</c>.</summary>
    public const int Silos = 4;

    private static readonly Lazy<Task<FleetTlsFiles>> Files = new(MakeAsync);

    public static Task<FleetTlsFiles> GetAsync() => Files.Value;

    private static async Task<FleetTlsFiles> MakeAsync()
    {
        var root = Environment.GetEnvironmentVariable("CMS_TEST_RESULTS") is { Length: > 0 } results ? results : Path.GetTempPath();
        var files = new FleetTlsFiles(Path.Combine(root, $"certs-{Environment.ProcessId}"));
        await files.EnsureAsync(ProductPaths.Checkout, Enumerable.Range(1, Silos).Select(n => $"silo-{n}"), [Client]);
        return files;
    }
}
