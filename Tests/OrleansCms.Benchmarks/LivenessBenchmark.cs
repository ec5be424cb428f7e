using System.Diagnostics;
using System.Text.Json;
using OrleansCms.Ecus;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Failure detection time of a dead ECU (alone, and together with the silo that hosts its grain), and the
/// heartbeat load two silos sustain: simulated ECUs at 2 Hz (4 Hz with <c>--fast-lease</c>) against silo CPU, with mutual TLS and sessions (as in
/// production) and without (a plain pair of silos, measured alternately in the same run) for the cost of the trust
/// boundary.
/// </summary>
public static class LivenessBenchmark
{
    // The silos' default lease (Cms:Liveness:Lease) and the agents' default heartbeat interval, or with --fast-lease
    // a 1 s lease renewed every 250 ms (the faster setting the restore-in-a-second issue asks about).
    private static TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    private static TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static int _nextMac;

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var quick = args.Contains("--quick");
        if (args.Contains("--scale"))
        {
            await LivenessScale.RunAsync(serverConnectionString, quick);
            return;
        }

        IReadOnlyList<string> settings = [];
        if (args.Contains("--fast-lease"))
        {
            (Lease, HeartbeatInterval) = (TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250));
            settings = [$"--Cms:Liveness:Lease={Lease:c}"];
        }

        await using var silos = await BenchSilos.StartAsync(serverConnectionString, settings: settings);
        Console.WriteLine($"liveness benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, lease {Lease.TotalSeconds} s, heartbeats every {HeartbeatInterval.TotalMilliseconds} ms");
        var headline = new Dictionary<string, double> { ["lease_ms"] = Lease.TotalMilliseconds, ["heartbeat_ms"] = HeartbeatInterval.TotalMilliseconds };

        var plain = await DetectEcuDeathsAsync(silos.Client, quick ? 10 : 20);
        Report("ECU killed", plain, "detect", headline);

        var withSilo = await DetectEcuAndSiloDeathsAsync(silos, quick ? 10 : 20);
        Report("ECU killed with the silo hosting its grain", withSilo, "detect_with_silo_kill", headline);

        await using var plainSilos = await BenchSilos.StartAsync(serverConnectionString, tls: false, settings: settings);
        await HeartbeatLoadAsync(silos, plainSilos, quick ? [250, 500] : [250, 500, 1000, 2000], quick ? 5 : 10, quick ? 2 : 3, headline);
        Console.WriteLine(JsonSerializer.Serialize(headline));
    }

    private static async Task<List<double>> DetectEcuDeathsAsync(IClusterClient client, int kills)
    {
        var detections = new List<double>();
        while (detections.Count < kills)
        {
            var ecus = await StartEcusAsync(client, 5);
            await Task.Delay(TimeSpan.FromSeconds(1));
            await Task.WhenAll(ecus.Select(e => e.KillAsync()));
            detections.AddRange(await Task.WhenAll(ecus.Select(e => WaitFailedAsync(e, e.LastAcknowledged))));
        }

        return detections;
    }

    private static async Task<List<double>> DetectEcuAndSiloDeathsAsync(BenchSilos silos, int kills)
    {
        var detections = new List<double>();
        for (var round = 0; detections.Count < kills; round++)
        {
            var victim = silos.Silos[round % silos.Silos.Count];
            var ecus = await StartEcusAsync(silos.Client, 12);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var stats = await silos.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
            var onVictim = ecus.Where(e => stats.Any(s => s.GrainId == e.Grain.GetGrainId() && s.SiloAddress.Endpoint.Port == victim.Spec.Ports!.Silo)).ToList();

            var killedAt = Stopwatch.GetTimestamp();
            await Task.WhenAll(onVictim.Select(e => e.KillAsync()).Append(victim.KillAsync()));
            detections.AddRange(await Task.WhenAll(onVictim.Select(e => WaitFailedAsync(e, killedAt))));
            await Task.WhenAll(ecus.Except(onVictim).Select(e => e.KillAsync()));
            await silos.StartSiloAsync(victim);
        }

        return detections;
    }

    private static async Task HeartbeatLoadAsync(BenchSilos tls, BenchSilos plain, int[] levels, int seconds, int rounds, Dictionary<string, double> headline)
    {
        // Warm-up, not measured: the plain pair has just started and a silo of the other was restarted by the
        // detection rounds; their tiered compilation of the heartbeat path would otherwise be billed to the levels
        // (more of it to the TLS pair, whose path has more code), so it goes on until that has nearly finished.
        await JitSettling.WarmUpAsync("heartbeats", [.. tls.Silos, .. plain.Silos], async () =>
        {
            foreach (var silos in new[] { tls, plain })
            {
                await LoadAsync(silos, levels[^1], 10);
            }
        }, minRounds: 2, maxRounds: 8);

        int sustained = 0, sustainedPlain = 0;
        foreach (var count in levels)
        {
            // Rounds alternate which mode goes first, so that neither always runs on the warmer machine; the
            // median round of each mode is reported.
            var tlsLoads = new List<HeartbeatLoad>();
            var plainLoads = new List<HeartbeatLoad>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (silos, loads) in round % 2 == 0 ? [(tls, tlsLoads), (plain, plainLoads)] : new[] { (plain, plainLoads), (tls, tlsLoads) })
                {
                    loads.Add(await LoadAsync(silos, count, seconds));
                }
            }

            var tlsLoad = HeartbeatLoad.Median(tlsLoads);
            var plainLoad = HeartbeatLoad.Median(plainLoads);
            var ratio = tlsLoad.CpuPercent / plainLoad.CpuPercent;
            Console.WriteLine($"{count,5} ECUs at {1 / HeartbeatInterval.TotalSeconds:0} Hz, mTLS:  {tlsLoad}");
            Console.WriteLine($"{count,5} ECUs at {1 / HeartbeatInterval.TotalSeconds:0} Hz, plain: {plainLoad}   mTLS/plain silo CPU {ratio:0.00} (medians of {rounds} rounds)");
            headline[$"silo_cpu_pct_{count}"] = Math.Round(tlsLoad.CpuPercent, 1);
            headline[$"silo_cpu_pct_{count}_plain"] = Math.Round(plainLoad.CpuPercent, 1);
            headline[$"tls_cpu_ratio_{count}"] = Math.Round(ratio, 2);
            sustained = tlsLoads.All(l => l.Sustained(count)) ? count : sustained;
            sustainedPlain = plainLoads.All(l => l.Sustained(count)) ? count : sustainedPlain;
        }

        headline["ecus_at_2hz"] = sustained;
        headline["ecus_at_2hz_plain"] = sustainedPlain;
    }

    /// <summary><paramref name="count"/> ECUs heartbeating for <paramref name="seconds"/> against <paramref name="silos"/>, then stopped.</summary>
    private static async Task<HeartbeatLoad> LoadAsync(BenchSilos silos, int count, int seconds)
    {
        var ecus = await StartEcusAsync(silos.Client, count);
        await Task.Delay(TimeSpan.FromSeconds(2)); // let the rate settle
        var cpuBefore = silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds);
        var roundTripsBefore = ecus.Sum(e => e.RoundTripsMs.Count);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = (silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds) - cpuBefore) / clock.Elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var beats = ecus.Sum(e => e.RoundTripsMs.Count) - roundTripsBefore;
        await Task.WhenAll(ecus.Select(e => e.KillAsync()));

        var roundTrips = ecus.SelectMany(e => e.RoundTripsMs).Order().ToList();
        var load = new HeartbeatLoad(beats / clock.Elapsed.TotalSeconds, cpu, Stats.Percentile(roundTrips, 0.5), Stats.Percentile(roundTrips, 0.99), ecus.Count(e => e.ToldNotAlive));

        // Let the leases of the stopped ECUs run out before the next load.
        await Task.Delay(Lease + TimeSpan.FromSeconds(1));
        return load;
    }

    private readonly record struct HeartbeatLoad(double Rate, double CpuPercent, double P50Ms, double P99Ms, int FalselyFailed)
    {
        /// <summary>Every heartbeat went out on time and was answered within an interval, and no ECU was told it had failed.</summary>
        public bool Sustained(int count) => FalselyFailed == 0 && P99Ms < HeartbeatInterval.TotalMilliseconds && Rate >= count * 1.8;

        /// <summary>The load of median silo CPU among <paramref name="loads"/> (the upper one of an even count).</summary>
        public static HeartbeatLoad Median(List<HeartbeatLoad> loads) => loads.OrderBy(l => l.CpuPercent).ElementAt(loads.Count / 2);

        public override string ToString() =>
            $"{Rate,7:0} heartbeats/s, silo CPU {CpuPercent,5:0.0}% of the machine, round trip p50 {P50Ms:0.0} ms p99 {P99Ms:0.0} ms, falsely failed {FalselyFailed}";
    }

    private static async Task<List<SimulatedEcu>> StartEcusAsync(IClusterClient client, int count)
    {
        var ecus = Enumerable.Range(0, count)
            .Select(_ => new SimulatedEcu(client, NextMac(), HeartbeatInterval))
            .ToList();
        foreach (var batch in ecus.Chunk(200))
        {
            await Task.WhenAll(batch.Select(e => e.StartAsync()));
        }

        return ecus;
    }

    private static string NextMac()
    {
        var n = Interlocked.Increment(ref _nextMac);
        return $"06:00:00:{(n >> 16) & 0xff:x2}:{(n >> 8) & 0xff:x2}:{n & 0xff:x2}";
    }

    private static async Task<double> WaitFailedAsync(SimulatedEcu ecu, long since)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                if (await ecu.Grain.GetAsync() is { Status: EcuStatus.Failed, StatusSince: { } declaredAt })
                {
                    // Measured to the declaration's own time, not to when a poll saw it: a poll sent to the killed
                    // silo just before its death can wait for the client's 30 s response timeout.
                    var sinceWallClock = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(since);
                    return (declaredAt - sinceWallClock).TotalMilliseconds;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // the grain's silo is dead and not yet declared so
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"ECU {ecu.Mac} was not declared failed within two minutes");
    }

    private static void Report(string what, List<double> detections, string key, Dictionary<string, double> headline)
    {
        detections.Sort();
        headline[$"{key}_p50_ms"] = Math.Round(Stats.Percentile(detections, 0.5));
        headline[$"{key}_p99_ms"] = Math.Round(Stats.Percentile(detections, 0.99));
        Console.WriteLine($"{what}: detection over {detections.Count} kills p50 {headline[$"{key}_p50_ms"]} ms, p99 {headline[$"{key}_p99_ms"]} ms (max {detections[^1]:0} ms)");
    }

}
