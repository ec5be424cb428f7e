using System.CommandLine;
using OrleansCms.Cli;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>
/// <c>ecu-agent migrate</c> against a real silo process: <c>--program NAME</c> finds the active program of that name
/// in the ECU's catalogue, and a name or ECU the CMS does not know is refused with what the ECU runs.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed class MigrateCommandLineTests(SiloProcessFixture fixture)
{
    private SiloProcessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Migrate_ByName_RequestsTheMigrationOfThatProgram()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);
        await ecu.AddProgramAsync("alpha");
        var beta = await ecu.AddProgramAsync("beta");

        var (_, output, error) = await MigrateAsync("--mac", ecu.Mac.ToUpperInvariant(), "--program", "beta", "--timeout-s", "2");

        // The fake ECU stored no checkpoint, so the migration itself is abandoned; what matters is which program it moved.
        Assert.True(output.Contains($"migration migration:{ecu.Mac}:{beta}:", StringComparison.Ordinal), $"{output}{error}");
    }

    [Fact]
    public async Task Migrate_UnknownName_RefusedWithWhatTheEcuRuns()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);
        var alpha = await ecu.AddProgramAsync("alpha");

        var (exit, output, error) = await MigrateAsync("--mac", ecu.Mac, "--program", "gamma");

        Assert.Equal(2, exit);
        Assert.Equal($"ecu-agent migrate: ECU {ecu.Mac} runs no program named 'gamma'; it runs 'alpha' (ID {alpha}). Pass one of them to --program NAME or --program-id N.", error.Trim());
        Assert.DoesNotContain("requested", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_UnknownIdOrEcu_RefusedWithoutDotNetText()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);
        await ecu.AddProgramAsync("alpha");
        var unknown = ClusterFixture.NewMac();

        var byId = await MigrateAsync("--mac", ecu.Mac, "--program-id", "9");
        var noEcu = await MigrateAsync("--mac", unknown, "--program", "alpha");

        Assert.Equal(2, byId.Exit);
        Assert.StartsWith($"ecu-agent migrate: ECU {ecu.Mac} runs no program with ID 9; it runs 'alpha' (ID 0).", byId.Error, StringComparison.Ordinal);
        Assert.Equal(2, noEcu.Exit);
        Assert.StartsWith($"ecu-agent migrate: no ECU {unknown} has registered with this CMS; check --mac", noEcu.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", byId.Error + noEcu.Error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> MigrateAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentCommandLine.Build().Parse(["migrate", "--cms", Cluster.Gateway, "--cluster-id", Cluster.ClusterId, .. args])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
