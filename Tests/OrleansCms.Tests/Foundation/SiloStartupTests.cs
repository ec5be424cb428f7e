using Npgsql;
using OrleansCms.Fleet;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Foundation;

/// <summary>A silo process that cannot use its database says why in one line and exits, without retrying.</summary>
[Trait("Speed", "Process")]
public sealed class SiloStartupTests
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Start_NoConnectionString_ExitsWithOneClearError()
    {
        var (exitCode, errors) = await RunSiloAsync(connectionString: null);

        Assert.Equal(2, exitCode);
        Assert.Equal(["cms silo: No PostgreSQL connection string: set CMS_POSTGRES or Cms:Storage:ConnectionString."], errors);
    }

    [Fact]
    public async Task Start_NobodyListensOnThePort_ExitsWithOneClearError()
    {
        var port = FreePorts.Next();
        var (exitCode, errors) = await RunSiloAsync($"Host=127.0.0.1;Port={port};Username=cms;Password=x;Database=cms;Timeout=3");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(errors);
        Assert.StartsWith($"cms silo: Cannot connect to PostgreSQL at 127.0.0.1:{port}", line);
    }

    [Fact]
    public async Task Start_WrongPassword_ExitsWithOneClearError()
    {
        var wrong = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Password = "not-the-password" };
        var (exitCode, errors) = await RunSiloAsync(wrong.ConnectionString);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(errors);
        Assert.Contains("Cannot connect to PostgreSQL", line);
        Assert.Contains("password authentication failed", line);
    }

    [Theory]
    [InlineData("cms silo: Cms:Liveness:Lease: The field Lease must be between", "--Cms:Liveness:Lease=00:00:00")]
    [InlineData("cms silo: Cms:GatewayPort: The field GatewayPort must be between 1 and 65535.", "--Cms:GatewayPort=0")]
    public async Task Start_BadSetting_ExitsWithOneLineNamingTheKey(string message, string setting)
    {
        var (exitCode, errors) = await RunSiloAsync(TestDatabase.ServerConnectionString, setting);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(errors);
        Assert.StartsWith(message, line, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, IReadOnlyList<string> Errors)> RunSiloAsync(string? connectionString, params string[] settings)
    {
        string[] args =
        [
            $"--Cms:SiloPort={FreePorts.Next()}",
            $"--Cms:GatewayPort={FreePorts.Next()}",
            $"--Cms:HttpPort={FreePorts.Next()}",
            $"--Cms:ClusterId=startup-{Guid.NewGuid():N}",
            .. settings,
        ];
        await using var silo = DotnetProcess.Start(ProductPaths.Checkout.SiloDll, args, new LaunchOptions
        {
            Environment = new Dictionary<string, string?>
            {
                ["CMS_POSTGRES"] = connectionString,
                ["Cms__Storage__ConnectionString"] = null,
            },
        });
        var exitCode = await silo.WaitForExitAsync(ExitDeadline);
        // No retries and no stack traces in the log either: the one line on stderr is the whole story.
        Assert.DoesNotContain(silo.StandardOutput, line => line.Contains(" at ", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal));
        return (exitCode, silo.StandardError);
    }
}
