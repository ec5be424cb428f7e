using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansCms.Fleet;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Programs;

namespace OrleansCms.Tests.Launcher;

/// <summary>
/// <c>./cms up</c>'s launcher as a user meets it: the fleet it starts survives the deaths it exists to handle (an
/// agent, then a silo, both SIGKILLed through <c>./cms kill</c>), reports them, restores the dead ECU's program once,
/// and stops everything it started on Ctrl+C (SIGINT).
/// </summary>
[Trait("Speed", "Process")]
[Collection(ProcessCollection.Name)]
public sealed class LauncherProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _home = Directory.CreateTempSubdirectory("cms-launcher-").FullName;
    private TestDatabase _database = null!;
    private DotnetProcess _launcher = null!;
    private int _offset;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(applySchema: false);
        _offset = FreePortOffset();
        _launcher = DotnetProcess.Start(ProductPaths.Checkout.LauncherDll,
            ["up", "--home", _home, "--port-offset", _offset.ToString(CultureInfo.InvariantCulture), "--status-s", "1"],
            new LaunchOptions { Environment = _database.SiloEnvironment });
    }

    public async Task DisposeAsync()
    {
        await _launcher.DisposeAsync(); // SIGKILLs the launcher's tree if the test left it running
        await _database.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // the token file's mode
    public async Task Up_AgentThenSiloKilled_KeepsRunningReportsBothRestoresOnceAndStopsEverythingOnCtrlC()
    {
        var api = $"http://127.0.0.1:{FleetLayout.Default(_offset).Silos[1].Ports!.Http}/api"; // silo-2's: silo-1 is killed below
        // The API asks for a token, which the launcher leaves for its user in a file only they read.
        await WaitForOutputAsync("API token", "the banner tells where the API token is");
        var tokenFile = Path.Combine(_home, "operator.token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/programs")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(tokenFile)).Trim());
        var before = await WaitForProgramsAsync(http, api, p => p.Count == 3 && p.All(x => x.RunningCopies == 1), "the three sample programs run",
            Transient.HttpUnreachable); // the launcher is still starting the silos
        Assert.Equal("02:00:00:00:00:02", before.Single(p => p.Name == "navigation").Mac);
        // Secure by default: every member got its own certificate of one fleet CA, and the silos run with them.
        Assert.Equal(["ca.pem", "ecu-020000000001.pem", "ecu-020000000002.pem", "ecu-020000000003.pem", "operator-cms.pem", "silo-1.pem", "silo-2.pem"],
            Directory.GetFiles(Path.Combine(_home, "certs"), "*.pem").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("No TLS", await File.ReadAllTextAsync(Path.Combine(_home, "logs", "silo-1.log")), StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await NewestVersionsAsync(http, api)) is { Count: 3 } versions && versions.Values.All(v => v >= 1),
            Patience, "every program has an acknowledged checkpoint");

        Assert.Equal(0, await CmsAsync("kill", "ecu-2"));
        var after = await WaitForProgramsAsync(http, api,
            p => p.Single(x => x.Name == "navigation").Mac is { } mac && mac != "02:00:00:00:00:02", "navigation runs again on another ECU");
        Assert.All(after, p => Assert.Equal(1, p.RunningCopies));
        await WaitForOutputAsync("ecu-2 failed", "the status line reports the failed ECU");
        Assert.Contains(_launcher.StandardOutput, l => l.Contains("ecu-2 (pid", StringComparison.Ordinal) && l.Contains("killed by SIGKILL from ./cms kill", StringComparison.Ordinal));

        // Started again, the agent rejoins fenced: with none of its old programs, which run elsewhere now.
        Assert.Equal(0, await CmsAsync("start", "ecu-2"));
        await Eventually.TrueAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"{api}/ecus/02:00:00:00:00:02")).GetProperty("status").GetString() == "Alive",
            Patience, "ecu-2 is alive again");

        Assert.Equal(0, await CmsAsync("kill", "silo-1"));
        await WaitForOutputAsync("silo-1 killed", "the status line reports the killed silo");
        await WaitForOutputAsync("1/2 silos active", "the CMS's membership sees one silo left");
        Assert.False(_launcher.HasExited, "the launcher stopped after a silo died");
        // The three running copies as their ECUs report them (a restored copy appears once its agent reports it).
        var versions = await Eventually.ReturnsAsync(() => NewestVersionsAsync(http, api), v => v.Count == 3, Patience, "the three running copies report");
        await Eventually.TrueAsync(async () => await NewestVersionsAsync(http, api) is var now && versions.All(v => now.TryGetValue(v.Key, out var newer) && newer > v.Value),
            Patience, "every program checkpoints again after the silo's death");

        var table = await CmsOutputAsync("ps");
        var pids = Pids(table);
        Assert.Equal(4, pids.Count); // silo-2 and the three agents
        Assert.All(await ProgramsAsync(http, api), p => Assert.Equal(1, p.RunningCopies));
        var programs = pids.SelectMany(ChildrenOf).ToList();
        Assert.Equal(3, programs.Count); // one process per logical program, on the live agents

        _launcher.Signal("INT");
        Assert.Equal(0, await _launcher.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        foreach (var pid in pids.Concat(programs))
        {
            await ProcessLiveness.AssertGoneAsync(pid, TimeSpan.FromSeconds(5));
        }

        Assert.Contains(_launcher.StandardOutput, l => l.Contains("stopped.", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(_home, "run", "control.sock")), "the control socket is left behind");
    }

    private async Task<int> CmsAsync(params string[] args)
    {
        await using var command = DotnetProcess.Start(ProductPaths.Checkout.LauncherDll, [.. args, "--home", _home]);
        return await command.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task<string> CmsOutputAsync(params string[] args)
    {
        await using var command = DotnetProcess.Start(ProductPaths.Checkout.LauncherDll, [.. args, "--home", _home]);
        Assert.Equal(0, await command.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return string.Join('\n', command.StandardOutput);
    }

    private Task WaitForOutputAsync(string text, string what) =>
        Eventually.TrueAsync(() => Task.FromResult(_launcher.StandardOutput.Any(l => l.Contains(text, StringComparison.Ordinal))), Patience,
            $"{what} ('{text}'); launcher output so far:{Environment.NewLine}{LauncherOutput()}");

    private string LauncherOutput() => string.Join(Environment.NewLine, _launcher.StandardOutput.TakeLast(30).Concat(_launcher.StandardError.TakeLast(10)));

    private async Task<IReadOnlyList<ProgramRow>> WaitForProgramsAsync(
        HttpClient http, string api, Func<IReadOnlyList<ProgramRow>, bool> accept, string what, Func<Exception, bool>? retryOn = null)
    {
        Assert.False(_launcher.HasExited, $"the launcher exited: {LauncherOutput()}");
        try
        {
            return await Eventually.ReturnsAsync(async () => await ProgramsAsync(http, api), accept, Patience, what, retryOn);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}The launcher's output:{Environment.NewLine}{LauncherOutput()}", e);
        }
    }

    private static async Task<IReadOnlyList<ProgramRow>> ProgramsAsync(HttpClient http, string api)
    {
        var programs = await http.GetFromJsonAsync<JsonElement>($"{api}/programs");
        return [.. programs.EnumerateArray().Select(p => new ProgramRow(
            p.GetProperty("name").GetString()!,
            p.GetProperty("runningCopies").GetInt32(),
            p.GetProperty("runningCopy") is { ValueKind: JsonValueKind.Object } copy ? copy.GetProperty("mac").GetString() : null))];
    }

    // The newest acknowledged version of each running program, by its ECU and ID.
    private static async Task<Dictionary<string, long>> NewestVersionsAsync(HttpClient http, string api)
    {
        var ecus = await http.GetFromJsonAsync<JsonElement>($"{api}/ecus");
        return ecus.EnumerateArray()
            .SelectMany(e => e.GetProperty("programs").EnumerateArray().Select(p => (Key: $"{e.GetProperty("mac").GetString()}/{p.GetProperty("programId").GetInt32()}", Version: p.GetProperty("lastAcknowledgedVersion").GetInt64())))
            .ToDictionary(x => x.Key, x => x.Version);
    }

    private static List<int> Pids(string table) =>
        [.. table.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length > 1 && int.TryParse(cells[1], out _)).Select(cells => int.Parse(cells[1], CultureInfo.InvariantCulture))];

    // Children of any of the process's threads (a .NET process forks from whichever thread starts the program).
    private static IEnumerable<int> ChildrenOf(int pid) =>
        Directory.Exists($"/proc/{pid}/task")
            ? Directory.GetDirectories($"/proc/{pid}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse).Where(ProcessLiveness.IsRunning).Distinct()
            : [];

    /// <summary>A port offset at which every port of the launcher's layout is free (and below the ephemeral range).</summary>
    private static int FreePortOffset()
    {
        for (var offset = 100 + (Environment.ProcessId % 150 * 10); ; offset = offset >= 1900 ? 100 : offset + 10)
        {
            if (FleetLayout.Default(offset).Silos.All(s => s.Ports!.InUse() is null))
            {
                return offset;
            }
        }
    }

    private sealed record ProgramRow(string Name, int RunningCopies, string? Mac);
}
