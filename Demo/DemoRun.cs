using System.Diagnostics;
using System.Net.Http.Json;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Security;
using OrleansCms.Restoration;

namespace OrleansCms.Demo;

/// <summary>
/// ./cms demo: the whole mission, narrated, in about a minute — checkpoints flow; an ECU dies and its programs run
/// again elsewhere exactly once with their counters continuing; a silo dies and the system carries on; a program
/// is migrated. Ends with a table of the checks; the exit status is 1 when any failed.
/// </summary>
public static class DemoRun
{
    private const string Ecu1 = "02:00:00:00:0d:01";
    private const string Ecu2 = "02:00:00:00:0d:02";
    private const string Ecu3 = "02:00:00:00:0d:03";

    public static async Task<int> RunAsync(string serverConnectionString, string logFolder)
    {
        Directory.CreateDirectory(logFolder);
        var clock = Stopwatch.StartNew();
        var checks = new DemoChecks();
        Step("Starting two CMS silos on a fresh PostgreSQL database and three ECU agents, every connection mutual TLS");
        // One fleet CA and a certificate per process, beside the logs (made once, reused by later runs).
        var tls = new FleetTlsFiles(Path.Combine(logFolder, "demo-certs"));
        var layout = Layout(tls);
        tls.Ensure([.. layout.Identities, DemoCms.Operator]);
        await using var cms = await DemoCms.StartAsync(serverConnectionString, layout, logFolder);
        // silo 2 survives the demo, so the demo talks HTTP to it, with its operator's token.
        using var http = OperatorTokenHandler.Client(tls, DemoCms.Operator, new Uri($"http://127.0.0.1:{cms.Silos[1].Spec.Ports!.Http}/"));
        var fleet = new DemoFleet(cms.Client, http);
        Say($"silos: http://127.0.0.1:{cms.Silos[0].Spec.Ports!.Http}/ and http://127.0.0.1:{cms.Silos[1].Spec.Ports!.Http}/ (dashboard and API)");
        Say($"ECUs: {Ecu1} (2 programs), {Ecu2} (2 programs), {Ecu3} (empty, 2 GiB); logs in {logFolder}/demo-NAME.log");

        try
        {
            await CheckpointsFlowAsync(fleet, checks);
            await EcuDiesAsync(fleet, checks, cms.Agents[1]);
            await SiloDiesAsync(fleet, checks, cms.Silos[0]);
            await MigrationAsync(fleet, checks);
            await FinalInvariantAsync(fleet, checks, cms.Agents);
        }
        catch (TimeoutException e)
        {
            checks.Record("the demo ran to its end", false, e.Message);
        }

        checks.PrintSummary(clock.Elapsed);
        return checks.AllPassed ? 0 : 1;
    }

    private static async Task CheckpointsFlowAsync(DemoFleet fleet, DemoChecks checks)
    {
        Step("1. Checkpoints flow: every program is checkpointed every 500 ms and acknowledged by the CMS");
        foreach (var mac in new[] { Ecu1, Ecu2 })
        {
            var view = await DemoFleet.WaitAsync(() => fleet.EcuAsync(mac),
                v => v.Programs.Count == 2 && v.Programs.All(p => p.LastAcknowledgedVersion >= 2), $"both programs of {mac} have 2 checkpoints");
            foreach (var program in view.Programs)
            {
                Say($"{mac} runs {program.Name} (program {program.ProgramId}): checkpoint v{program.LastAcknowledgedVersion} acknowledged, {program.RssBytes >> 20} MiB resident");
            }
        }

        checks.Record("checkpoints acknowledged", true, "4 programs on 2 ECUs, ≥ 2 versions each");
    }

    private static async Task EcuDiesAsync(DemoFleet fleet, DemoChecks checks, FleetMember ecu2)
    {
        Step($"2. ECU {Ecu2} dies (SIGKILL of its agent and programs)");
        var clock = Stopwatch.StartNew();
        ecu2.Kill();
        await DemoFleet.WaitAsync(() => fleet.EcuAsync(Ecu2), v => v.Status == EcuStatus.Failed, $"{Ecu2} declared failed");
        var detected = clock.Elapsed;
        Say($"declared failed after {detected.TotalMilliseconds:0} ms (lease 2 s)");
        var restoration = await fleet.FinishedAsync($"failure:{Ecu2}:1");
        Say($"restored in {clock.Elapsed.TotalMilliseconds:0} ms after the kill:");
        foreach (var item in restoration.Programs)
        {
            Say($"{item.Name}: {item.Outcome} on {item.TargetMac} as program {item.NewProgramId}, from v{item.Version}");
        }

        checks.Record("failure detected within lease + 1 s", detected < TimeSpan.FromSeconds(3), $"{detected.TotalMilliseconds:0} ms");
        checks.Record("every program of the dead ECU runs again", restoration.Programs.All(i => i.Outcome == RestorationOutcome.Running),
            string.Join(", ", restoration.Programs.Select(i => $"{i.Name} → {i.TargetMac}")));
        foreach (var item in restoration.Programs.Where(i => i.Outcome == RestorationOutcome.Running))
        {
            var (continues, detail) = await fleet.ContinuesAsync(item);
            checks.Record("counter continues from the checkpoint", continues, detail);
        }
    }

    private static async Task SiloDiesAsync(DemoFleet fleet, DemoChecks checks, FleetMember silo1)
    {
        Step("3. Silo 1 dies (SIGKILL); the agents carry on through silo 2");
        var before = await AcknowledgedAsync(fleet);
        var clock = Stopwatch.StartNew();
        await silo1.KillAsync();
        var after = await DemoFleet.WaitAsync(() => AcknowledgedAsync(fleet),
            now => before.All(b => now.GetValueOrDefault(b.Key) > b.Value + 1), "every program has acknowledged 2 more checkpoints");
        Say($"every running program acknowledged 2 more checkpoints within {clock.Elapsed.TotalMilliseconds:0} ms of the kill");
        var cluster = await DemoFleet.WaitAsync(() => fleet.Http.GetStringAsync("api/cluster"), json => json.Contains("Dead", StringComparison.Ordinal),
            "silo 2 sees silo 1 dead");
        Say("silo 2 reports silo 1 as Dead in /api/cluster");
        checks.Record("checkpoints continue after a silo death", after.Count == before.Count, $"{after.Count} programs, {clock.Elapsed.TotalSeconds:0.0} s");
        checks.Record("membership sees the dead silo", cluster.Contains("Dead", StringComparison.Ordinal), "/api/cluster on silo 2");
    }

    private static async Task MigrationAsync(DemoFleet fleet, DemoChecks checks)
    {
        var logger = (await fleet.EcuAsync(Ecu1)).Programs.Single(p => p.Name == "logger");
        Step($"4. Migrating logger (program {logger.ProgramId} on {Ecu1}) to {Ecu3} through POST /api/migrations");
        var clock = Stopwatch.StartNew();
        using var response = await fleet.Http.PostAsJsonAsync("api/migrations", new { mac = Ecu1, programId = logger.ProgramId, targetMac = Ecu3 });
        var accepted = await response.Content.ReadFromJsonAsync<Accepted>();
        var migration = await fleet.FinishedAsync(accepted!.Id);
        var item = migration.Programs.Single();
        Say($"{item.Outcome} on {item.TargetMac} as program {item.NewProgramId} after {clock.Elapsed.TotalMilliseconds:0} ms; the source copy stopped: {item.SourceStopped}");
        // The source ECU's view of its programs comes with its heartbeats: give the next one time to arrive.
        var sourceGone = await DemoFleet.HoldsWithinAsync(() => fleet.EcuAsync(Ecu1), v => !v.Programs.Any(p => p.ProgramId == logger.ProgramId),
            TimeSpan.FromSeconds(5));

        checks.Record("migration lands on the requested ECU", item.Outcome == RestorationOutcome.Running && item.TargetMac == Ecu3, $"{item.Outcome} on {item.TargetMac}");
        checks.Record("the source copy is gone", sourceGone, sourceGone ? $"{Ecu1} no longer runs it" : $"{Ecu1} still runs it");
        var (continues, detail) = await fleet.ContinuesAsync(item);
        checks.Record("migrated counter continues", continues, detail);
    }

    private static async Task FinalInvariantAsync(DemoFleet fleet, DemoChecks checks, IReadOnlyList<FleetMember> agents)
    {
        Step("5. The invariant: every program runs on exactly one live ECU");
        var programs = await fleet.ProgramsAsync();
        foreach (var program in programs)
        {
            Say($"{program.Name}: {program.RunningCopies} running cop{(program.RunningCopies == 1 ? "y" : "ies")}{(program.RunningCopy is { } copy ? $", on {copy.Mac} as program {copy.ProgramId}" : "")}");
        }

        var processes = DemoFleet.ProgramProcesses(agents);
        checks.Record("each program runs exactly once", programs.Count == 4 && programs.All(p => p.RunningCopies == 1),
            $"{programs.Count} logical programs, copies: {string.Join(" ", programs.Select(p => p.RunningCopies))}");
        checks.Record("program processes match", processes == programs.Count, $"{processes} program processes on the live agents");
    }

    /// <summary>
    /// The demo's fleet: two silos on free ports and three ECUs, ecu-1 with a latency-critical brake controller and a
    /// logger, ecu-2 with navigation and infotainment, and an empty ecu-3 of 2 GiB with room for what is restored.
    /// </summary>
    private static FleetLayout Layout(FleetTlsFiles tls)
    {
        List<MemberSpec> silos = [.. new[] { 1, 2 }.Select(n => MemberSpec.Silo($"demo-silo-{n}", SiloPorts.Free(),
            [$"--Cms:ClusterId={DemoCms.ClusterId}", "--Logging:LogLevel:Default=Warning", .. tls.SiloSettings($"demo-silo-{n}")]))];
        var gateways = FleetLayout.Gateways(silos);
        return new FleetLayout(silos,
        [
            Agent(1, Ecu1, 1024,
                "name=brake-control,ram-mb=64,interval-ms=500,period-ms=10,wcet-ms=2,latency-critical,cmd=sample --state-mb 4",
                "name=logger,ram-mb=32,interval-ms=500,cmd=sample --state-mb 1 --dirty 0.2"),
            Agent(2, Ecu2, 1024,
                "name=navigation,ram-mb=128,interval-ms=500,cmd=sample --state-mb 16 --dirty 0.02",
                "name=infotainment,ram-mb=64,interval-ms=500,cmd=sample --state-mb 8"),
            Agent(3, Ecu3, 2048),
        ]) { Tls = tls };

        MemberSpec Agent(int number, string mac, int ramMb, params string[] programs) =>
            MemberSpec.Agent($"demo-ecu-{number}", mac, gateways, ["--cluster-id", DemoCms.ClusterId, "--ram-mb", $"{ramMb}", "--cpu-cores", "2",
                .. tls.AgentOptions(FleetIdentity.Ecu(mac)), .. programs.SelectMany(p => new[] { "--program", p })]);
    }

    private static async Task<Dictionary<string, long>> AcknowledgedAsync(DemoFleet fleet)
    {
        var views = await Task.WhenAll(new[] { Ecu1, Ecu3 }.Select(fleet.EcuAsync));
        return views.SelectMany(v => v.Programs.Select(p => ($"{v.Mac}/{p.ProgramId}", p.LastAcknowledgedVersion)))
            .ToDictionary(p => p.Item1, p => p.Item2);
    }

    private static void Step(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"== {text}");
    }

    private static void Say(string text) => Console.WriteLine($"   {text}");

    private sealed record Accepted(string Id);
}
