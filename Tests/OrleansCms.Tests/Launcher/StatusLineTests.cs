using System.Text.Json;
using OrleansCms.Fleet;
using OrleansCms.Launcher.Status;

namespace OrleansCms.Tests.Launcher;

public sealed class StatusLineTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 12, 0, 5, TimeSpan.Zero);

    [Fact]
    public void Compose_HealthyFleet_CountsEverything()
    {
        var line = StatusLine.Compose(At, Snapshot(Summary(2, 2, 3, 41), Ecus(("ecu-1", "Alive"), ("ecu-2", "Alive"), ("ecu-3", "Alive")), "[]"),
            [Member("silo-1", MemberKind.Silo, MemberState.Running), Member("silo-2", MemberKind.Silo, MemberState.Running)]);

        Assert.EndsWith("· 2/2 silos active · 3/3 ECUs alive · 3 programs running · 41 checkpoints stored · 0 restorations", line);
    }

    [Fact]
    public void Compose_SiloKilledEcuFailedOneRestored_NamesEach()
    {
        const string restorations = """[{"finishedAt":"2026-12-05T12:00:01Z","programs":[{"outcome":"Running"}]},{"finishedAt":null,"programs":[{"outcome":"Pending"}]}]""";
        var line = StatusLine.Compose(At, Snapshot(Summary(1, 2, 3, 50), Ecus(("ecu-1", "Alive"), ("ecu-2", "Failed"), ("ecu-3", "Alive"), ("old", "Retired")), restorations),
            [Member("silo-1", MemberKind.Silo, MemberState.Exited, "killed by SIGKILL from ./cms kill"), Member("silo-2", MemberKind.Silo, MemberState.Running)]);

        Assert.Contains("1/2 silos active (silo-1 killed)", line);
        Assert.Contains("2/3 ECUs alive (ecu-2 failed)", line);
        Assert.EndsWith("2 restorations (1 in progress), 1 program restored", line);
    }

    [Fact]
    public void Compose_NoSiloAnswers_SaysSoAndWhichAreDown()
    {
        var line = StatusLine.Compose(At, null,
            [Member("silo-1", MemberKind.Silo, MemberState.Starting), Member("silo-2", MemberKind.Silo, MemberState.Exited, "exited with code 2")]);

        Assert.Equal("cms 12:00:05 · no silo answers its HTTP API (silo-1 starting, silo-2 exited)", line);
    }

    [Fact]
    public void Format_ProcessTable_ListsPidStateAndEndpoints()
    {
        var table = ProcessTable.Format(
        [
            Member("silo-1", MemberKind.Silo, MemberState.Running, pid: 42, endpoints: "silo 11111 · gateway 30000 · http 8080"),
            Member("ecu-2", MemberKind.Agent, MemberState.Exited, "killed by SIGKILL", endpoints: "mac 02:00:00:00:00:02") with { Mac = "02:00:00:00:00:02" },
            Member("ecu-3", MemberKind.Agent, MemberState.Running, pid: 43, endpoints: "mac 02:00:00:00:00:03") with { Mac = "02:00:00:00:00:03" },
        ], new Dictionary<string, string> { ["02:00:00:00:00:02"] = "(failed)", ["02:00:00:00:00:03"] = "navigation,logger" }).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("NAME", table[0]);
        Assert.Matches(@"^silo-1 +42 +running +12:00:05 +silo 11111 · gateway 30000 · http 8080 +- +/logs/silo-1\.log$", table[1]);
        Assert.Matches(@"^ecu-2 +- +killed by SIGKILL +12:00:05 +mac 02:00:00:00:00:02 +\(failed\) +/logs/ecu-2\.log$", table[2]);
        Assert.Matches(@"^ecu-3 +43 +running +12:00:05 +mac 02:00:00:00:00:03 +navigation,logger +/logs/ecu-3\.log$", table[3]);
    }

    private static FleetSnapshot Snapshot(string summary, string ecus, string restorations) =>
        new(JsonDocument.Parse(summary).RootElement, JsonDocument.Parse(ecus).RootElement, JsonDocument.Parse(restorations).RootElement);

    private static string Summary(int active, int silos, int running, int stored) =>
        $$"""{"silosActive":{{active}},"silos":{{silos}},"programsRunning":{{running}},"checkpointsStored":{{stored}}}""";

    private static string Ecus(params (string Name, string Status)[] ecus) =>
        "[" + string.Join(",", ecus.Select(e => $$$"""{"mac":"m","status":"{{{e.Status}}}","registration":{"name":"{{{e.Name}}}"}}""")) + "]";

    private static MemberView Member(string name, MemberKind kind, MemberState state, string? exit = null, int? pid = null, string endpoints = "") =>
        new(name, kind, state, pid, endpoints, exit, At, $"/logs/{name}.log");
}
