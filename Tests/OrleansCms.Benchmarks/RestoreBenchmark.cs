using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Time from an agent's SIGKILL until all its programs run elsewhere (10 programs of 16 MiB state), split into
/// detection, claim and placement, transfer and start; and the restoration of an ECU with 100 small programs.
/// Every run uses fresh agents, retired afterwards so that earlier runs do not load later ones.
/// </summary>
public static class RestoreBenchmark
{
    private static int _nextEcu;

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var quick = args.Contains("--quick");
        await using var silos = await BenchSilos.StartAsync(serverConnectionString);
        Console.WriteLine($"restore benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, 2 silos, lease 2 s");

        var runs = new List<Run>();
        for (var i = 0; i < (quick ? 3 : 10); i++)
        {
            var run = await KillAndRestoreAsync(silos, programs: 10, stateMb: 16);
            Console.WriteLine($"run {i + 1,2}: kill→running {run.Total,6:0} ms = detection {run.Detection,5:0} + claim/placement {run.ClaimPlace,5:0} + transfer/start {run.TransferStart,5:0} (+ {run.Total - run.Detection - run.ClaimPlace - run.TransferStart:0} restoration start)");
            runs.Add(run);
        }

        var small = await KillAndRestoreAsync(silos, programs: quick ? 30 : 100, stateMb: 0.1);
        Console.WriteLine($"{(quick ? 30 : 100)} small programs: kill→all running {small.Total:0} ms, restoration itself {small.Restoration:0} ms");

        Console.WriteLine($"10×16 MiB: kill→running p50 {Stats.Median(runs.Select(r => r.Total)):0} ms, p99 {Stats.Percentile(runs.Select(r => r.Total), 0.99):0} ms; "
            + $"detection p50 {Stats.Median(runs.Select(r => r.Detection)):0}, claim/placement p50 {Stats.Median(runs.Select(r => r.ClaimPlace)):0}, transfer/start p50 {Stats.Median(runs.Select(r => r.TransferStart)):0} ms");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["kill_to_running_p50_ms"] = Math.Round(Stats.Median(runs.Select(r => r.Total))),
            ["kill_to_running_p99_ms"] = Math.Round(Stats.Percentile(runs.Select(r => r.Total), 0.99)),
            ["detection_p50_ms"] = Math.Round(Stats.Median(runs.Select(r => r.Detection))),
            ["claim_placement_p50_ms"] = Math.Round(Stats.Median(runs.Select(r => r.ClaimPlace))),
            ["transfer_start_p50_ms"] = Math.Round(Stats.Median(runs.Select(r => r.TransferStart))),
            [quick ? "restore_30_programs_ms" : "restore_100_programs_ms"] = Math.Round(small.Total),
        }));
    }

    private static async Task<Run> KillAndRestoreAsync(BenchSilos cms, int programs, double stateMb)
    {
        var client = cms.Client;
        var state = stateMb.ToString(CultureInfo.InvariantCulture);
        var specs = Enumerable.Range(0, programs).Select(i => $"name=p{i},ram-mb={Math.Max(8, (int)stateMb * 2)},interval-ms=2000,cmd=sample --state-mb {state} --dirty 0.02");
        var (sourceMac, targetAMac, targetBMac) = (NextMac(), NextMac(), NextMac());
        await using var source = cms.StartAgent(sourceMac, 65536, specs);
        await using var targetA = cms.StartAgent(targetAMac, 65536, []);
        await using var targetB = cms.StartAgent(targetBMac, 65536, []);
        await WaitAsync(client, sourceMac, v => v.Programs.Count == programs && v.Programs.All(p => p.LastAcknowledgedVersion >= 1), TimeSpan.FromMinutes(3));
        await WaitAsync(client, targetAMac, v => v.AgentAttached, TimeSpan.FromMinutes(1));
        await WaitAsync(client, targetBMac, v => v.AgentAttached, TimeSpan.FromMinutes(1));

        var killedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        source.Kill();
        await WaitAsync(client, sourceMac, v => v.Status == EcuStatus.Failed, TimeSpan.FromSeconds(30), pollMs: 10);
        var detection = clock.Elapsed.TotalMilliseconds;
        var restoration = client.GetGrain<IRestorationGrain>($"failure:{sourceMac}:1");
        RestorationView? view = null;
        while (view?.FinishedAt is null)
        {
            await Task.Delay(20);
            view = await restoration.GetAsync();
        }

        if (view.Programs.Any(p => p.Outcome != RestorationOutcome.Running))
        {
            throw new InvalidOperationException($"not every program was restored: {string.Join(", ", view.Programs.Select(p => $"{p.ProgramId}:{p.Outcome}"))}");
        }

        var running = view.Programs.Max(p => p.RunningAt!.Value);
        var assigned = view.Programs.Max(p => p.AssignedAt!.Value);
        await client.GetGrain<IEcuGrain>(targetAMac).RetireAsync("benchmark run over");
        await client.GetGrain<IEcuGrain>(targetBMac).RetireAsync("benchmark run over");
        return new Run(
            Total: (running - killedAt).TotalMilliseconds,
            Detection: detection,
            ClaimPlace: (assigned - view.StartedAt).TotalMilliseconds,
            TransferStart: (running - assigned).TotalMilliseconds,
            Restoration: (view.FinishedAt.Value - view.StartedAt).TotalMilliseconds);
    }

    private static async Task WaitAsync(IClusterClient client, string mac, Func<EcuView, bool> condition, TimeSpan timeout, int pollMs = 200)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(await client.GetGrain<IEcuGrain>(mac).GetAsync()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"ECU {mac} did not get there within {timeout}");
            }

            await Task.Delay(pollMs);
        }
    }

    private static string NextMac() => $"02:00:00:bb:{Interlocked.Increment(ref _nextEcu) >> 8:x2}:{_nextEcu & 0xff:x2}";

    private sealed record Run(double Total, double Detection, double ClaimPlace, double TransferStart, double Restoration);
}
