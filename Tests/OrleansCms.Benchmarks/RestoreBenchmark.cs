using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansCms.Agent;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Programs;
using OrleansCms.Restoration;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Time from an agent's SIGKILL until all its programs run elsewhere (10 programs of 16 MiB state), split into
/// detection, claim and placement, transfer and start, with warm standbys off and on in alternating runs; the
/// restoration of an ECU with 100 small programs (standbys on, processes started ahead on the standbys); and the floor: the same ten programs started at once
/// from the same state already in local files. Every run uses fresh agents, retired afterwards.
/// </summary>
public static partial class RestoreBenchmark
{
    private const string SampleArgs = "--dirty 0.02";
    private static int _nextEcu;
    private static int _falseFailures;

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var quick = args.Contains("--quick");
        // The agents (started from this process, so inheriting it) start a process ahead for each program they keep warm.
        Environment.SetEnvironmentVariable("Agent__StandbyPrestarts", "16");
        var perMode = quick ? 3 : 20;
        await using var silos = await BenchSilos.StartAsync(serverConnectionString);
        Console.WriteLine($"restore benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, 2 silos, lease 2 s, "
            + $"{perMode} kills per mode (standbys off and on, alternating)");

        var runs = new Dictionary<bool, List<Run>> { [false] = [], [true] = [] };
        var kills = args.Contains("--small-only") ? 0 : perMode * 2; // --small-only: the 100 small programs and the floor
        for (var i = 0; i < kills; i++)
        {
            // off, on, on, off, off, on, ...: neither mode always goes first.
            var standby = (i % 4) is 1 or 2;
            var run = await RetryingFalseFailuresAsync(() => KillAndRestoreAsync(silos, programs: 10, stateMb: 16, standby));
            Console.WriteLine($"run {i + 1,2} (standbys {(standby ? "on " : "off")}): kill→running {run.Total,6:0} ms = detection {run.Detection,5:0} + claim/placement {run.ClaimPlace,5:0} "
                + $"+ transfer/start {run.TransferStart,5:0} (+ {run.Total - run.Detection - run.ClaimPlace - run.TransferStart:0} restoration start); on their standby: {run.OnStandby}/10; {run.Agents}");
            runs[standby].Add(run);
        }

        var smallCount = quick ? 30 : 100;
        var small = await RetryingFalseFailuresAsync(() => KillAndRestoreAsync(silos, programs: smallCount, stateMb: 0.1, standby: true));
        Console.WriteLine($"{smallCount} small programs (standbys on): kill→all running {small.Total:0} ms, restoration itself {small.Restoration:0} ms, on their standby {small.OnStandby}/{smallCount}");

        var floors = new List<double>();
        for (var i = 0; i < (quick ? 3 : 5); i++)
        {
            floors.Add(await FloorAsync(programs: 10, stateMb: 16));
        }

        var floor = Stats.Median(floors);
        Console.WriteLine($"false failures of a source before the kill or of a target during the restoration (the run was repeated): {_falseFailures}");
        Console.WriteLine($"floor: 10 programs of 16 MiB started at once from local files: median {floor:0} ms ({string.Join(", ", floors.Select(f => f.ToString("0", CultureInfo.InvariantCulture)))})");
        foreach (var (standby, list) in runs)
        {
            Console.WriteLine($"10×16 MiB, standbys {(standby ? "on" : "off")}: kill→running p50 {Stats.Median(list.Select(r => r.Total)):0} ms, p99 {Stats.Percentile(list.Select(r => r.Total), 0.99):0} ms; "
                + $"detection p50 {Stats.Median(list.Select(r => r.Detection)):0}, claim/placement p50 {Stats.Median(list.Select(r => r.ClaimPlace)):0}, transfer/start p50 {Stats.Median(list.Select(r => r.TransferStart)):0} ms; "
                + $"restore / floor {Stats.Median(list.Select(r => r.Total - r.Detection)) / floor:0.00} (after detection)");
        }

        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["lease_ms"] = 2000,
            ["kill_to_running_p50_ms"] = Math.Round(Stats.Median(runs[false].Select(r => r.Total))),
            ["kill_to_running_p99_ms"] = Math.Round(Stats.Percentile(runs[false].Select(r => r.Total), 0.99)),
            ["standby_kill_to_running_p50_ms"] = Math.Round(Stats.Median(runs[true].Select(r => r.Total))),
            ["standby_kill_to_running_p99_ms"] = Math.Round(Stats.Percentile(runs[true].Select(r => r.Total), 0.99)),
            ["detection_p50_ms"] = Math.Round(Stats.Median(runs.Values.SelectMany(r => r).Select(r => r.Detection))),
            ["claim_placement_p50_ms"] = Math.Round(Stats.Median(runs.Values.SelectMany(r => r).Select(r => r.ClaimPlace))),
            ["transfer_start_p50_ms"] = Math.Round(Stats.Median(runs[false].Select(r => r.TransferStart))),
            ["standby_transfer_start_p50_ms"] = Math.Round(Stats.Median(runs[true].Select(r => r.TransferStart))),
            [quick ? "restore_30_programs_ms" : "restore_100_programs_ms"] = Math.Round(small.Total),
            ["floor_ms"] = Math.Round(floor),
            ["warmup_false_failures"] = _falseFailures,
        }));
    }

    private static async Task<Run> RetryingFalseFailuresAsync(Func<Task<Run>> run)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await run();
            }
            catch (FalseFailureException e) when (attempt < 10)
            {
                _falseFailures++;
                Console.WriteLine($"  (repeated: {e.Message})");
            }
        }
    }

    private static async Task<Run> KillAndRestoreAsync(BenchSilos cms, int programs, double stateMb, bool standby)
    {
        var client = cms.Client;
        var state = stateMb.ToString(CultureInfo.InvariantCulture);
        var specs = Enumerable.Range(0, programs).Select(i =>
            $"name=p{i},ram-mb={Math.Max(8, (int)stateMb * 2)},interval-ms=2000,standby={(standby ? "on" : "off")},cmd=sample --state-mb {state} {SampleArgs}");
        var (sourceMac, targetAMac, targetBMac) = (NextMac(), NextMac(), NextMac());
        var agents = new AgentRestoreLog();
        await using var targetA = cms.StartAgent(targetAMac, 65536, [], agents.Read);
        await using var targetB = cms.StartAgent(targetBMac, 65536, [], agents.Read);
        await WaitAsync(client, targetAMac, v => v.AgentAttached, TimeSpan.FromMinutes(1));
        await WaitAsync(client, targetBMac, v => v.AgentAttached, TimeSpan.FromMinutes(1));
        await using var source = cms.StartAgent(sourceMac, 65536, specs, agents.Read);
        await WaitAsync(client, sourceMac, v => v.Programs.Count == programs && v.Programs.All(p => p.LastAcknowledgedVersion >= 1), TimeSpan.FromMinutes(3));
        if (standby)
        {
            // Every program's standby holds a version complete (it yields to ingest, so this takes a while at first).
            await WaitAsync(client, sourceMac, v => v.Catalogue.Count(p => p.StandbyMac is not null) == programs, TimeSpan.FromMinutes(1));
            var keys = Enumerable.Range(0, programs).Select(id => new CheckpointKey(sourceMac, id).ToString()).ToList();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!(await Task.WhenAll(keys.Select(k => client.GetGrain<ICheckpointGrain>(k).GetStatusAsync()))).All(s => s.StandbyVersion > 0))
            {
                await CheckAliveAsync(client, sourceMac);
                await Task.Delay(200);
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"the standbys of {sourceMac}'s programs were not warm within 2 minutes");
                }
            }
        }

        await CheckAliveAsync(client, sourceMac);

        var standbys = (await client.GetGrain<IEcuGrain>(sourceMac).GetAsync()).Catalogue.ToDictionary(p => p.ProgramId, p => p.StandbyMac);
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

        if (view.Programs.Any(p => p.Outcome == RestorationOutcome.HandedOver))
        {
            // A target was declared failed after it registered a copy: that copy's own restoration takes it on.
            throw new FalseFailureException($"a target was declared failed during the restoration ({view.Programs.Count(p => p.Outcome == RestorationOutcome.HandedOver)} programs handed over)");
        }

        if (view.Programs.Any(p => p.Outcome != RestorationOutcome.Running))
        {
            throw new InvalidOperationException($"not every program was restored: {string.Join(", ", view.Programs.Select(p => $"{p.ProgramId}:{p.Outcome}"))}");
        }

        if (Environment.GetEnvironmentVariable("CMS_BENCH_TRACE") is { Length: > 0 } trace)
        {
            var failed = await client.GetGrain<IEcuGrain>(sourceMac).GetAsync();
            await File.AppendAllLinesAsync(trace, [$"killed {killedAt:HH:mm:ss.fff}, seen failed after {detection:0} ms: {failed.FailureReason} (epoch {failed.FailureEpoch}, since {failed.StatusSince:HH:mm:ss.fff}); restoration started {view.StartedAt:HH:mm:ss.fff}", .. view.Programs.SelectMany(p => (p.Events ?? []).Select(e => $"  {p.ProgramId}: {e}"))]);
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
            Restoration: (view.FinishedAt.Value - view.StartedAt).TotalMilliseconds,
            OnStandby: view.Programs.Count(p => p.TargetMac is not null && p.TargetMac == standbys.GetValueOrDefault(p.ProgramId)),
            Agents: agents);
    }

    /// <summary>What the target agents logged of their restores: chunks read locally and from the CMS, and each restore's time.</summary>
    private sealed partial class AgentRestoreLog
    {
        private readonly Lock _lock = new();

        public int LocalChunks { get; private set; }

        public int RemoteChunks { get; private set; }

        public List<double> RestoreMs { get; } = [];

        public void Read(string line)
        {
            lock (_lock)
            {
                if (Environment.GetEnvironmentVariable("CMS_BENCH_TRACE") is { Length: > 0 } trace)
                {
                    File.AppendAllText(trace, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
                }

                if (ReadLine().Match(line) is { Success: true } read)
                {
                    LocalChunks += int.Parse(read.Groups[1].Value, CultureInfo.InvariantCulture);
                    RemoteChunks += int.Parse(read.Groups[2].Value, CultureInfo.InvariantCulture);
                }
                else if (RestoredLine().Match(line) is { Success: true } restored)
                {
                    RestoreMs.Add(double.Parse(restored.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return $"chunks read locally {LocalChunks}, from the CMS {RemoteChunks}; agent restore p50 {Stats.Median(RestoreMs):0} ms, max {(RestoreMs.Count > 0 ? RestoreMs.Max() : 0):0} ms";
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"(\d+) chunks from the warm standby, (\d+) from the CMS")]
        private static partial System.Text.RegularExpressions.Regex ReadLine();

        [System.Text.RegularExpressions.GeneratedRegex(@"Restored \S+ v\d+ as \S+ \(\d+ bytes\) in (\d+) ms")]
        private static partial System.Text.RegularExpressions.Regex RestoredLine();
    }

    /// <summary>
    /// The floor of a restore on this machine: the same programs started at once from the same state, read from local
    /// files (warm in the page cache), timed until every one has answered the protocol's handshake.
    /// </summary>
    private static async Task<double> FloorAsync(int programs, double stateMb)
    {
        var command = ProgramLaunches.Resolve(["sample", "--state-mb", stateMb.ToString(CultureInfo.InvariantCulture), .. SampleArgs.Split(' ')]);
        var protocol = new ProgramProtocolOptions();
        var directory = Directory.CreateTempSubdirectory("cms-restore-floor-");
        try
        {
            await using (var first = await ProgramProcess.StartAsync(command, null, protocol, NullLogger.Instance))
            {
                var state = await first.CheckpointAsync(CancellationToken.None);
                for (var i = 0; i < programs; i++)
                {
                    await File.WriteAllBytesAsync(Path.Combine(directory.FullName, $"p{i}.state"), state);
                }
            }

            var clock = Stopwatch.StartNew();
            var started = await Task.WhenAll(Enumerable.Range(0, programs).Select(async i =>
                await ProgramProcess.StartAsync(command, await File.ReadAllBytesAsync(Path.Combine(directory.FullName, $"p{i}.state")), protocol, NullLogger.Instance)));
            var elapsed = clock.Elapsed.TotalMilliseconds;
            foreach (var process in started)
            {
                await process.DisposeAsync();
            }

            return elapsed;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The source must not have been declared failed before the kill (a false failure while its programs warm up).</summary>
    private static async Task CheckAliveAsync(IClusterClient client, string mac)
    {
        if ((await client.GetGrain<IEcuGrain>(mac).GetAsync()) is { FailureEpoch: > 0 } view)
        {
            throw new FalseFailureException($"ECU {mac} was declared failed before the kill: {view.FailureReason}");
        }
    }

    private static async Task<EcuView> WaitAsync(IClusterClient client, string mac, Func<EcuView, bool> condition, TimeSpan timeout, int pollMs = 200)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var view = await client.GetGrain<IEcuGrain>(mac).GetAsync();
            if (condition(view))
            {
                return view;
            }

            if (view.FailureEpoch > 0 && view.Status != EcuStatus.Failed)
            {
                throw new FalseFailureException($"ECU {mac} was declared failed while it lived: {view.FailureReason}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"ECU {mac} did not get there within {timeout}");
            }

            await Task.Delay(pollMs);
        }
    }

    private static string NextMac() => $"02:00:00:bb:{Interlocked.Increment(ref _nextEcu) >> 8:x2}:{_nextEcu & 0xff:x2}";

    /// <summary>
/// A source ECU was declared failed before the benchmark killed it, or a target during the restoration: that run is
/// repeated, and counted.
/// </summary>
    private sealed class FalseFailureException(string message) : Exception(message);

    private sealed record Run(double Total, double Detection, double ClaimPlace, double TransferStart, double Restoration, int OnStandby, AgentRestoreLog Agents);
}
