using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansCms.Benchmarks.Soak;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Benchmarks.Failover;

/// <summary>
/// ./cms bench failover: the replicated PostgreSQL (pg_auto_failover, as <c>./cms up --ha</c> runs it) under ingest.
/// First, ingest through two silos on it against two silos on the single server, side by side in alternating rounds
/// (what synchronous replication costs). Then, while agents checkpoint sample programs, the primary is SIGKILLed
/// again and again (each time after the old primary rejoined as the synchronous standby): the time from the kill to
/// the first acknowledgement of a checkpoint offered after it, and, at the end, every checkpoint an agent saw
/// acknowledged read back.
/// </summary>
public static class FailoverBenchmark
{
    private const int AgentCount = 3;
    private static readonly CheckpointKey Probe = new("02:00:00:00:0d:ff", 1);

    public static async Task<int> RunAsync(string singleServer, string[] args)
    {
        var quick = args.Contains("--quick");
        var kills = quick ? 2 : 5;
        if (args.SkipWhile(a => a != "--kills").Skip(1).FirstOrDefault() is { } given &&
            (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out kills) || kills < 1))
        {
            await Console.Error.WriteLineAsync("usage: ./cms bench failover [--quick] [--kills N]   (N ≥ 1; default 5, --quick 2)");
            return 2;
        }

        Console.WriteLine($"failover benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores: pg_auto_failover (monitor, primary, synchronous standby), {kills} primary kills");
        var clock = Stopwatch.StartNew();
        await using var replicated = await ReplicatedPostgres.StartAsync();
        Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] replicated PostgreSQL up (node {await replicated.PrimaryAsync()} primary)");
        var headline = new Dictionary<string, double>();

        await using (var single = await BenchSilos.StartAsync(singleServer))
        await using (var synchronous = await BenchSilos.StartAsync(replicated.ConnectionString))
        {
            headline["sync_replication_ingest_ratio"] = await IngestRatioAsync(single, synchronous, rounds: quick ? 1 : 3, count: quick ? 48 : 96);
        }

        await using var cms = await BenchSilos.StartAsync(replicated.ConnectionString, responseTimeout: TimeSpan.FromSeconds(10));
        var ledger = new AckLedger();
        var agents = Enumerable.Range(1, AgentCount).Select(n => cms.StartAgent($"02:00:00:00:0d:{n:x2}", 1024,
            [$"name=fo{n}-a,ram-mb=16,interval-ms=500,cmd=sample --state-mb 0.25 --dirty 0.1", $"name=fo{n}-b,ram-mb=32,interval-ms=1000,cmd=sample --state-mb 1 --dirty 0.05"],
            onOutput: ledger.Observe)).ToList();
        await using var probe = new ProbeWriter(cms.Client, Probe);
        try
        {
            await WaitAsync(() => ledger.Snapshot().Count == AgentCount * 2, TimeSpan.FromSeconds(90), "every agent's programs are acknowledged");
            Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {AgentCount} agents × 2 sample programs checkpointing, and a probe writer offering 64 KiB checkpoints back to back");

            var resumed = new List<double>();
            for (var kill = 1; kill <= kills; kill++)
            {
                await replicated.WaitSynchronousAsync();
                await WaitAsync(() => probe.AcknowledgedSince(Stopwatch.GetTimestamp() - Stopwatch.Frequency) > 0, TimeSpan.FromSeconds(60), "the probe writer is acknowledged");
                var primary = await replicated.PrimaryAsync() ?? throw new InvalidOperationException("no PostgreSQL node is primary");
                await replicated.KillNodeAsync(primary);
                // Taken once the node is dead (the script takes a while to start): no offer begun after this instant can
                // have been written by the old primary, so this slightly understates the time the failover took.
                var killedAt = Stopwatch.GetTimestamp();
                var firstAck = await probe.FirstAcknowledgedOfferStartedAfterAsync(killedAt, TimeSpan.FromSeconds(120));
                var ms = Stopwatch.GetElapsedTime(killedAt, firstAck).TotalMilliseconds;
                resumed.Add(ms);
                var now = await replicated.PrimaryAsync();
                Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] kill {kill}/{kills}: node {primary} SIGKILLed; node {now?.ToString(CultureInfo.InvariantCulture) ?? "none yet"} primary; a checkpoint offered after the kill acknowledged {ms:0} ms after it");
                await replicated.StartNodeAsync(primary);
            }

            await replicated.WaitSynchronousAsync();
            var views = await Task.WhenAll(Enumerable.Range(1, AgentCount).Select(n => cms.Client.GetGrain<IEcuGrain>($"02:00:00:00:0d:{n:x2}").GetAsync()));
            var acknowledged = new Dictionary<string, IReadOnlyList<long>>(ledger.Snapshot()) { [Probe.ToString()] = probe.AcknowledgedVersions() };
            var (lost, details) = await LossCheck.CheckAsync(cms.Client, views, acknowledged, readBack: true);
            foreach (var line in details)
            {
                Console.WriteLine($"  {line}");
            }

            var total = acknowledged.Values.Sum(v => v.Count);
            Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] acknowledged {total} checkpoints of {acknowledged.Count} programs; lost {lost.Count}{(lost.Count > 0 ? ": " + string.Join(", ", lost.Take(10)) : "")}");
            Console.WriteLine($"ingest resumed after a primary kill: p50 {Stats.Median(resumed):0} ms, p99 {Stats.Percentile(resumed, 0.99):0} ms (each: {string.Join(", ", resumed.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))})");
            headline["failovers"] = kills;
            headline["acked"] = total;
            headline["acked_lost"] = lost.Count;
            headline["ingest_resumed_p50_ms"] = Math.Round(Stats.Median(resumed));
            headline["ingest_resumed_p99_ms"] = Math.Round(Stats.Percentile(resumed, 0.99));
            Console.WriteLine(JsonSerializer.Serialize(headline));
            return lost.Count == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }

    /// <summary>1 MiB checkpoints through silos on the replicated server over silos on the single one, medians of alternating rounds.</summary>
    private static async Task<double> IngestRatioAsync(BenchSilos single, BenchSilos synchronous, int rounds, int count)
    {
        await IngestBenchmark.IngestAsync(single.Client, IngestBenchmark.Payloads(256 << 10, 32, seed: -1), programBase: 6_000_000);
        await IngestBenchmark.IngestAsync(synchronous.Client, IngestBenchmark.Payloads(256 << 10, 32, seed: -1), programBase: 6_000_000);
        var ratios = new List<double>();
        var singleRates = new List<double>();
        var syncRates = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var payloads = IngestBenchmark.Payloads(1 << 20, count, seed: round).ToList();
            var singleFirst = round % 2 == 0;
            var a = singleFirst ? await IngestBenchmark.IngestAsync(single.Client, payloads, round * 100_000) : default;
            var b = await IngestBenchmark.IngestAsync(synchronous.Client, payloads, round * 100_000);
            if (!singleFirst)
            {
                a = await IngestBenchmark.IngestAsync(single.Client, payloads, round * 100_000);
            }

            singleRates.Add(a.MegabytesPerSecond);
            syncRates.Add(b.MegabytesPerSecond);
            ratios.Add(b.MegabytesPerSecond / a.MegabytesPerSecond);
        }

        var ratio = Math.Round(Stats.Median(ratios), 3);
        Console.WriteLine($"ingest of 1 MiB checkpoints ({rounds} rounds of {count}, medians): single server {Stats.Median(singleRates):0.0} MB/s, synchronous replication {Stats.Median(syncRates):0.0} MB/s, ratio {ratio:0.00}"
            + $" (rounds: {string.Join(", ", ratios.Select((r, i) => $"{syncRates[i]:0.0}/{singleRates[i]:0.0} = {r:0.00}"))})");
        return ratio;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan patience, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > patience)
            {
                throw new TimeoutException($"not within {patience.TotalSeconds:0} s: {what}");
            }

            await Task.Delay(100);
        }
    }
}
