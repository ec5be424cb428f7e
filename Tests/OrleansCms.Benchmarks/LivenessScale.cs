using System.Diagnostics;
using System.Text.Json;

namespace OrleansCms.Benchmarks;

/// <summary>
/// ./cms bench liveness --scale: the heartbeat path of many ECUs across three silos (mutual TLS and sessions, as in
/// production), the ECUs spread over <see cref="Clients"/> Orleans clients of their own (each with its own connections
/// and sessions), not one shared client. Per level: heartbeats answered per second, the silos' CPU (in all, and per
/// 1,000 ECUs), the round trip p50/p99, and how many ECUs were told they had failed (must be 0).
/// </summary>
public static class LivenessScale
{
    private const int Clients = 10;
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static int _nextMac;

    public static async Task RunAsync(string serverConnectionString, bool quick)
    {
        int[] levels = quick ? [2500, 5000] : [2500, 5000, 10000];
        const int Seconds = 10;
        await using var silos = await BenchSilos.StartAsync(serverConnectionString, silos: 3);
        var clients = new List<IClusterClient>();
        for (var i = 0; i < Clients; i++)
        {
            clients.Add(await silos.ConnectAnotherClientAsync());
        }

        Console.WriteLine($"liveness at scale, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores: 3 silos (mTLS), ECUs spread over {Clients} clients, "
            + $"heartbeats every {HeartbeatInterval.TotalMilliseconds} ms, lease {Lease.TotalSeconds} s, {Seconds} s per level; the clients share the machine with the silos");
        var headline = new Dictionary<string, double>();
        await MeasureAsync(silos, clients, levels[0], Seconds); // warm-up, not reported
        var sustained = 0;
        foreach (var count in levels)
        {
            var (rate, cpuPercent, p50, p99, failed) = await MeasureAsync(silos, clients, count, Seconds);
            var perThousand = cpuPercent * Environment.ProcessorCount / 100 / (count / 1000.0);
            var held = failed == 0 && p99 < HeartbeatInterval.TotalMilliseconds && rate >= count * 1.8;
            sustained = held ? count : sustained;
            Console.WriteLine($"{count,6} ECUs: {rate,7:0} heartbeats/s, 3 silos' CPU {cpuPercent,5:0.0}% of the machine ({perThousand:0.000} cores per 1,000 ECUs), "
                + $"round trip p50 {p50:0} ms p99 {p99:0} ms, told failed {failed}{(held ? "" : "  NOT SUSTAINED")}");
            headline[$"scale_silo_cpu_pct_{count}"] = Math.Round(cpuPercent, 1);
            headline[$"scale_cores_per_1000_ecus_{count}"] = Math.Round(perThousand, 3);
            headline[$"scale_heartbeat_p99_ms_{count}"] = Math.Round(p99);
            headline[$"scale_false_failures_{count}"] = failed;
        }

        headline["scale_ecus_at_2hz"] = sustained;
        Console.WriteLine(JsonSerializer.Serialize(headline));
    }

    private static async Task<(double Rate, double CpuPercent, double P50, double P99, int Failed)> MeasureAsync(
        BenchSilos silos, IReadOnlyList<IClusterClient> clients, int count, int seconds)
    {
        var ecus = Enumerable.Range(0, count).Select(i => new SimulatedEcu(clients[i % clients.Count], NextMac(), HeartbeatInterval)).ToList();
        foreach (var batch in ecus.Chunk(500))
        {
            await Task.WhenAll(batch.Select(e => e.StartAsync()));
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // let the rate settle
        var cpuBefore = silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds);
        var beatsBefore = ecus.Sum(e => e.RoundTripsMs.Count);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = (silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds) - cpuBefore) / clock.Elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var beats = ecus.Sum(e => e.RoundTripsMs.Count) - beatsBefore;
        await Task.WhenAll(ecus.Select(e => e.KillAsync()));
        var roundTrips = ecus.SelectMany(e => e.RoundTripsMs).Order().ToList();
        var result = (beats / clock.Elapsed.TotalSeconds, cpu, Stats.Percentile(roundTrips, 0.5), Stats.Percentile(roundTrips, 0.99), ecus.Count(e => e.ToldNotAlive));
        await Task.Delay(Lease + TimeSpan.FromSeconds(1)); // the stopped ECUs' leases run out before the next level
        return result;
    }

    private static string NextMac()
    {
        var n = Interlocked.Increment(ref _nextMac);
        return $"0a:00:00:{(n >> 16) & 0xff:x2}:{(n >> 8) & 0xff:x2}:{n & 0xff:x2}";
    }
}
