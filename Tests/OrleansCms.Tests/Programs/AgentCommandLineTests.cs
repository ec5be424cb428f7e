using System.CommandLine;
using OrleansCms.Checkpoints;
using OrleansCms.Cli;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Programs;

/// <summary>
/// The agent's command line refuses bad input before it connects anywhere, with one line that names the option
/// (and which <c>--program</c>), says what was wrong and what to write, and no .NET exception text.
/// </summary>
public class AgentCommandLineTests
{
    private const string Mac = "02:00:00:00:77:01";

    [Theory]
    [InlineData(new[] { "--program", "name=a,ram-mb=64,cmd=sample", "--program", "name=b,ram-mb=0,cmd=sample" }, "ecu-agent: --program #2 ('b'): ram-mb must be a positive whole number of MiB, not '0'")]
    [InlineData(new[] { "--program", "ram-mb=64,cmd=sample" }, "ecu-agent: --program #1 needs name=<name>")]
    [InlineData(new[] { "--program", "name=a,ram-mb=64,cmd=sample", "--program", "name=c,ram-mb=8,cmd=x", "--program", "name=d,ram-mb=8,wcet-ms=1,cmd=x" }, "ecu-agent: --program #3 ('d') must declare both")]
    [InlineData(new[] { "--mac", "zz:00" }, "ecu-agent: --mac 'zz:00' is not a MAC address; write six hex bytes")]
    [InlineData(new[] { "--name", " " }, "ecu-agent: --name must not be empty")]
    [InlineData(new[] { "--cms", "localhost" }, "ecu-agent: --cms: 'localhost' is not host:port; write e.g. --cms")]
    [InlineData(new[] { "--cms", "no-such-host.invalid:30000" }, "ecu-agent: --cms: host 'no-such-host.invalid' does not resolve")]
    [InlineData(new[] { "--tls-cert", "a.pem" }, "ecu-agent: --tls-cert, --tls-key and --tls-ca go together")]
    public async Task Run_BadOption_ExitsTwoWithOneLineNamingIt(string[] args, string message)
    {
        var (exit, error) = await RunAsync([.. Defaults(args), .. args]);

        Assert.Equal(2, exit);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        AssertNoDotNetText(error);
    }

    [Fact]
    public async Task Run_CertificateOfAnotherEcu_ExitsTwoNamingBoth()
    {
        var folder = Directory.CreateTempSubdirectory("cms-agent-tls-").FullName;
        try
        {
            var files = new OrleansCms.Fleet.FleetTlsFiles(folder);
            var other = OrleansCms.Security.FleetIdentity.Ecu("02:00:00:00:77:02");
            files.Ensure([other]);

            var (exit, error) = await RunAsync(["--cms", "127.0.0.1:1", "--mac", Mac, .. files.AgentOptions(other)]);

            Assert.Equal(2, exit);
            Assert.StartsWith($"ecu-agent: --tls-cert names ecu:02:00:00:00:77:02, not ecu:{Mac}", error, StringComparison.Ordinal);
            AssertNoDotNetText(error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("--cpu-cores", "0", "--cpu-cores takes a whole number of cores from 1 to 4096, not '0'.")]
    [InlineData("--ram-mb", "-5", "--ram-mb takes a whole number of MiB from 1 to")]
    [InlineData("--heartbeat-ms", "fast", "--heartbeat-ms takes a whole number of milliseconds from 50 to 60000, not 'fast'.")]
    [InlineData("--buffer-mb", "0", "--buffer-mb takes a whole number of MiB from 1 to")]
    public async Task Run_BadNumber_ParseErrorNamesTheOptionAndItsRange(string option, string value, string message)
    {
        var (exit, error) = await RunAsync(["--cms", "127.0.0.1:1", "--mac", Mac, option, value]);

        Assert.NotEqual(0, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
        AssertNoDotNetText(error);
    }

    [Theory]
    [InlineData(new[] { "--program", "p", "--program-id", "1" }, "ecu-agent migrate: give --program NAME or --program-id N, not both.")]
    [InlineData(new string[0], "ecu-agent migrate: name the program to migrate: --program NAME")]
    [InlineData(new[] { "--program", "p", "--target", "nowhere" }, "ecu-agent migrate: --target 'nowhere' is not a MAC address")]
    [InlineData(new[] { "--program-id", "-1" }, "--program-id takes a whole number from 0 to")]
    public async Task Migrate_BadOptions_RefusedBeforeConnecting(string[] args, string message)
    {
        var (exit, error) = await RunAsync(["migrate", "--cms", "127.0.0.1:1", "--mac", Mac, .. args]);

        Assert.NotEqual(0, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
        AssertNoDotNetText(error);
    }

    [Fact]
    public void ProgramChoice_ByName_TheActiveProgramOfThatName()
    {
        var ecu = Ecu(EcuStatus.Alive, ("p", ProgramEntryStatus.Retired), ("p", ProgramEntryStatus.Active), ("q", ProgramEntryStatus.Active));

        Assert.Equal(1, new ProgramChoice(null, "p").Resolve(ecu));
        Assert.Equal(2, new ProgramChoice(2, null).Resolve(ecu));
    }

    [Theory]
    [InlineData(null, "gone", EcuStatus.Alive, "ECU 02:00:00:00:77:01 runs no program named 'gone'; it runs 'p' (ID 1), 'q' (ID 2). Pass one of them to --program NAME or --program-id N.")]
    [InlineData(0, null, EcuStatus.Alive, "ECU 02:00:00:00:77:01 runs no program with ID 0; it runs 'p' (ID 1), 'q' (ID 2).")]
    [InlineData(null, "p", EcuStatus.Unknown, "no ECU 02:00:00:00:77:01 has registered with this CMS; check --mac")]
    [InlineData(null, "p", EcuStatus.Fenced, "ECU 02:00:00:00:77:01 is Fenced; only the programs of an alive ECU migrate.")]
    public void ProgramChoice_NoSuchProgram_SaysWhatTheEcuRuns(int? id, string? name, EcuStatus status, string message)
    {
        var ecu = Ecu(status, ("p", ProgramEntryStatus.Retired), ("p", ProgramEntryStatus.Active), ("q", ProgramEntryStatus.Active));

        var error = Assert.Throws<FormatException>(() => new ProgramChoice(id, name).Resolve(ecu));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProgramChoice_TwoActiveProgramsOfTheName_AsksForTheId()
    {
        var ecu = Ecu(EcuStatus.Alive, ("p", ProgramEntryStatus.Active), ("p", ProgramEntryStatus.Active));

        var error = Assert.Throws<FormatException>(() => new ProgramChoice(null, "p").Resolve(ecu));

        Assert.Equal("ECU 02:00:00:00:77:01 runs 2 programs named 'p' (IDs 0, 1); choose one with --program-id N.", error.Message);
    }

    /// <summary>The options a run needs, unless the case gives them itself.</summary>
    private static IEnumerable<string> Defaults(string[] args)
    {
        if (!args.Contains("--cms"))
        {
            yield return "--cms";
            yield return "127.0.0.1:1";
        }

        if (!args.Contains("--mac"))
        {
            yield return "--mac";
            yield return Mac;
        }
    }

    private static async Task<(int Exit, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await AgentCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, error.ToString());
    }

    private static void AssertNoDotNetText(string error)
    {
        Assert.DoesNotContain("(Parameter '", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }

    private static EcuView Ecu(EcuStatus status, params (string Name, ProgramEntryStatus Status)[] programs) =>
        new(Mac, status, null, 0, null, null, null, [], [],
            [.. programs.Select((p, id) => new ProgramEntry(id, new ProgramInfo(p.Name, 8L << 20), null, DateTimeOffset.UtcNow, p.Status))],
            AgentAttached: true, StatusSince: null);
}
