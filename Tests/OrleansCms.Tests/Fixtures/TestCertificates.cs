using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The fleet CA and certificates that the process tests' silos, agents and clients use, so that they run over
/// mutual TLS, and under the silos' authorization, as <c>./cms up</c> does: made once per test run, in the run's
/// results folder when <c>./cms test</c> gives one. Each agent gets a certificate naming its MAC.
/// </summary>
public static class TestCertificates
{
    /// <summary>Silo certificates exist for <c>silo-1</c> … <c>silo-N</c>.</summary>
    public const int Silos = 4;

    /// <summary>The operator the tests' own clients speak as where a call concerns no ECU.</summary>
    public static FleetIdentity Operator { get; } = FleetIdentity.Operator("tests");

    private static readonly Lazy<FleetTlsFiles> Files = new(Make);
    private static readonly Lock Issuing = new();

    public static FleetTlsFiles Get() => Files.Value;

    /// <summary>The options of an agent process for ECU <paramref name="mac"/>: its own certificate, made on first use.</summary>
    public static IReadOnlyList<string> AgentOptions(string mac)
    {
        var ecu = FleetIdentity.Ecu(mac);
        lock (Issuing)
        {
            Get().Ensure([ecu]);
        }

        return Get().AgentOptions(ecu);
    }

    /// <summary>
    /// A test client's credentials: for a call an ECU makes, a certificate of that ECU (issued in memory on first use),
    /// so that a test can play any number of ECUs; for any other, the tests' operator.
    /// </summary>
    public static ICallerCredentials AnyEcuOrOperator() => new MintedEcuCredentials(Get(), Operator);

    private static FleetTlsFiles Make()
    {
        var root = Environment.GetEnvironmentVariable("CMS_TEST_RESULTS") is { Length: > 0 } results ? results : Path.GetTempPath();
        var files = new FleetTlsFiles(Path.Combine(root, $"certs-{Environment.ProcessId}"));
        files.Ensure([.. Enumerable.Range(1, Silos).Select(n => FleetIdentity.Silo($"silo-{n}")), Operator]);
        return files;
    }
}
