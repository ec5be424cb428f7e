using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansCms.Hosting;
using OrleansCms.Schema;
using OrleansCms.Storage;
using OrleansCms.Tests.Ingest;

namespace OrleansCms.Tests.Foundation;

/// <summary>
/// The silo host's options, built as <c>AddCmsSilo</c> registers them (the host is built, never started): each bad
/// setting stops the start with a line naming its key, and the connection string never reaches the options log.
/// </summary>
public sealed class SiloOptionsTests
{
    private const string Password = "pw-5f3c9a1e";
    private const string ConnectionString = $"Host=127.0.0.1;Port=5432;Username=cms;Password={Password};Database=cms";

    [Theory]
    [InlineData("Cms:SiloPort: The field SiloPort must be between 1 and 65535.", "--Cms:SiloPort=0")]
    [InlineData("Cms:HttpPort: The field HttpPort must be between 1 and 65535.", "--Cms:HttpPort=70000")]
    [InlineData("Cms:AdvertisedIp 'silo-1' is not an IP address.", "--Cms:AdvertisedIp=silo-1")]
    [InlineData("Cms:Ingest:RetainedVersions: The field RetainedVersions must be between 1 and 1000.", "--Cms:Ingest:RetainedVersions=0")]
    [InlineData("Cms:Liveness:Lease: ", "--Cms:Liveness:Lease=00:00:00")]
    [InlineData("Cms:Restoration:RestoreTimeout: ", "--Cms:Restoration:RestoreTimeout=00:00:00")]
    [InlineData("Cms:Placement:CpuWeight, Cms:Placement:RamWeight: CpuWeight and RamWeight must not both be 0.", "--Cms:Placement:CpuWeight=0", "--Cms:Placement:RamWeight=0")]
    [InlineData("Cms:Tls needs CertificatePath, KeyPath and CaPath together", "--Cms:Tls:CaPath=ca.pem")]
    [InlineData("TLS: the certificate and key file /nonexistent/silo.pem does not exist.",
        "--Cms:Tls:CertificatePath=/nonexistent/silo.pem", "--Cms:Tls:KeyPath=/nonexistent/silo.key", "--Cms:Tls:CaPath=/nonexistent/ca.pem")]
    [InlineData("Failed to convert configuration value 'soon' at 'Cms:Restoration:RetryInterval'", "--Cms:Restoration:RetryInterval=soon")]
    [InlineData("Cms:Storage:PoolSize: The field PoolSize must be between 1 and 1000.", "--Cms:Storage:PoolSize=0")]
    public void Start_BadSetting_OneLineThatNamesIt(string message, params string[] args) =>
        Assert.StartsWith(message, StartupError(args), StringComparison.Ordinal);

    [Fact]
    public void Start_TwoBadSettings_BothReported()
    {
        var line = StartupError("--Cms:Ingest:RetainedVersions=0", "--Cms:Liveness:MetricsWindow=00:00:00");

        Assert.Contains("Cms:Ingest:RetainedVersions: ", line, StringComparison.Ordinal);
        Assert.Contains("Cms:Liveness:MetricsWindow: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_Defaults_Validate()
    {
        using var app = Build();

        app.Services.GetRequiredService<IStartupValidator>().Validate();

        var used = new NpgsqlConnectionStringBuilder(app.Services.GetRequiredService<IOptions<CmsStorageOptions>>().Value.ConnectionString);
        Assert.Equal(("127.0.0.1", 5432, "cms", Password, "cms"), (used.Host, used.Port, used.Username, used.Password, used.Database));
        Assert.Equal(20, used.MaxPoolSize);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(7, "--Cms:Storage:PoolSize=7")]
    [InlineData(3, $"--Cms:Storage:ConnectionString={ConnectionString};Maximum Pool Size=3", "--Cms:Storage:PoolSize=7")]
    [InlineData(4, $"--Cms:Storage:ConnectionString={ConnectionString};MaxPoolSize=4")]
    public void ConnectionPool_BoundedByPoolSize_UnlessTheConnectionStringSetsItsOwn(int expected, params string[] args)
    {
        using var app = Build(args);

        var used = app.Services.GetRequiredService<IOptions<CmsStorageOptions>>().Value.ConnectionString;

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(used).MaxPoolSize);
    }

    [Theory]
    [InlineData(CmsStorageOptions.AutoPrepared, true)]
    [InlineData(0, false, $"--Cms:Storage:ConnectionString={ConnectionString};Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData(5, true, $"--Cms:Storage:ConnectionString={ConnectionString};MaxAutoPrepare=5")]
    public void Statements_PreparedAndKeptAcrossPoolReturns_UnlessTheConnectionStringSaysOtherwise(int autoPrepared, bool noReset, params string[] args)
    {
        using var app = Build(args);

        var used = new NpgsqlConnectionStringBuilder(app.Services.GetRequiredService<IOptions<CmsStorageOptions>>().Value.ConnectionString);

        Assert.Equal((autoPrepared, noReset), (used.MaxAutoPrepare, used.NoResetOnClose));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3", "--Cms:AdvertisedIp=10.1.2.3")]
    public void Endpoints_ListenOnlyWhereTheSiloIsAdvertised(string address, params string[] args)
    {
        using var app = Build(["--Cms:SiloPort=31001", "--Cms:GatewayPort=31002", .. args]);

        var endpoints = app.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), 31001), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), 31002), endpoints.GatewayListeningEndpoint);
    }

    [Fact]
    public void OptionsLog_EveryFormatter_ConnectionStringRedacted()
    {
        using var app = Build();
        var logger = new ListLogger<SiloOptionsTests>();

        // The same formatters and formatting as Orleans' own options log at silo start.
        new CapturingOptionsLogger(logger, app.Services).LogOptions();
        var log = string.Join(Environment.NewLine, logger.Messages);

        Assert.Contains($"Configuration {typeof(CmsStorageOptions).FullName}", log, StringComparison.Ordinal);
        Assert.Contains($"Configuration {typeof(CmsSiloOptions).FullName}", log, StringComparison.Ordinal);
        // Orleans' own ADO.NET options carry the same connection string, [Redact]ed by Orleans.
        Assert.Contains("AdoNetGrainStorageOptions-cms", log, StringComparison.Ordinal);
        Assert.Contains("AdoNetReminderTableOptions", log, StringComparison.Ordinal);
        Assert.Contains("ConnectionString: REDACTED", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsLog_SchemaConnectionString_Redacted()
    {
        const string ownerPassword = "owner-pw-8d21b7";
        using var app = Build($"--Cms:Storage:SchemaConnectionString=Host=127.0.0.1;Username=cms_owner;Password={ownerPassword};Database=cms");
        var logger = new ListLogger<SiloOptionsTests>();

        new CapturingOptionsLogger(logger, app.Services).LogOptions();
        var log = string.Join(Environment.NewLine, logger.Messages);

        Assert.Contains("SchemaConnectionString: REDACTED", log, StringComparison.Ordinal);
        Assert.DoesNotContain(ownerPassword, log, StringComparison.Ordinal);
        Assert.DoesNotContain("cms_owner", log, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaScripts_OfASilo_TheSilosAndTheGrains()
    {
        using var app = Build();

        var sources = app.Services.GetServices<SchemaScriptSource>().ToList();

        Assert.Equal([CmsPersistenceExtensions.SchemaScripts, CmsGrainsExtensions.SchemaScripts], sources);
        Assert.Equal(
            SchemaScript.LoadEmbedded().Select(s => (s.Version, s.Name, s.Checksum)),
            SchemaScript.Load(sources).Select(s => (s.Version, s.Name, s.Checksum)));
    }

    /// <summary>What the silo prints after <c>cms silo: </c>: its Program builds the host and validates every option in one try.</summary>
    private static string StartupError(params string[] args)
    {
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var app = Build(args);
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        });
        Assert.True(StartupFailure.TryDescribe(error, out var line), error.ToString());
        return line;
    }

    private static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [$"--{CmsStorageOptions.Section}:{nameof(CmsStorageOptions.ConnectionString)}={ConnectionString}", .. args],
        });
        builder.AddCmsSilo();
        return builder.Build();
    }

    private sealed class CapturingOptionsLogger(ILogger logger, IServiceProvider services) : OptionsLogger(logger, services);
}
