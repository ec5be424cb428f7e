using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using OrleansCms.Checkpoints;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Ingest throughput through two silos against a raw Npgsql write of the same bytes to the same server,
/// side by side in one run (medians of alternating rounds), ack latency, and incremental checkpoints. The silos run
/// with mutual TLS and sessions, as in production; a plain pair, measured in the same rounds, gives their cost.
/// </summary>
public static class IngestBenchmark
{
    private const int Concurrency = 8;

    // What an agent attaches to its offers by default (IngestClientOptions.AttachUpToBytes).
    private static readonly int AttachUpToBytes = new OrleansCms.Ingest.IngestClientOptions().AttachUpToBytes;

    public static async Task RunAsync(string serverConnectionString, string[] args)
    {
        var quick = args.Contains("--quick");
        await using var silos = await BenchSilos.StartAsync(serverConnectionString);
        await using var plainSilos = await BenchSilos.StartAsync(serverConnectionString, tls: false);
        await using var ceiling = await RawCeiling.StartAsync(silos.DatabaseConnectionString);
        Console.WriteLine($"ingest benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, concurrency {Concurrency}");

        // Warm-up, not measured: connection pools, activations, sessions, and offers of small and large checkpoints
        // until the tiered compilation of the silos and of this client has (nearly) finished (JitSettling).
        var warmUps = 0;
        await JitSettling.WarmUpAsync("ingest", [.. silos.Silos, .. plainSilos.Silos], async () =>
        {
            // Programs of their own in each round: a program's versions only go up.
            var (seed, programs) = (-10 * ++warmUps, 6_000_000 + (warmUps * 1_000));
            foreach (var pair in new[] { silos, plainSilos })
            {
                await IngestAsync(pair.Client, Payloads(64 << 10, 400, seed), programs);
                await IngestAsync(pair.Client, Payloads(1 << 20, 32, seed - 1), programs + 100);
                await IngestAsync(pair.Client, Payloads(8 << 20, 4, seed - 2), programs + 200);
            }
        }, minRounds: quick ? 1 : 2, maxRounds: quick ? 4 : 15);

        if (Array.IndexOf(args, "--profile") is >= 0 and var at)
        {
            await IngestProfile.RunAsync(silos, at + 1 < args.Length ? args[at + 1] : "64kib");
            return;
        }

        var headline = new Dictionary<string, double>();
        var rounds = quick ? 1 : 3;
        var series = new[] { ("64kib", 64 << 10, quick ? 200 : 1000), ("1mib", 1 << 20, quick ? 48 : 192), ("8mib", 8 << 20, quick ? 8 : 24) };
        for (var s = 0; s < series.Length; s++)
        {
            var (label, size, count) = series[s];
            var ratios = new List<double>();
            var loaded = new List<double>();
            var ingestRates = new List<double>();
            var rawRates = new List<double>();
            var rawMethods = new List<string>();
            var plainRates = new List<double>();
            var tlsCosts = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var programBase = ((s * rounds) + round) * 100_000;
                var (raw, method) = await ceiling.MeasureAsync([.. Payloads(size, count, seed: round * 1000 + size).Select(p => new PreparedChunkSource(p, 1))]);
                rawMethods.Add(method);
                // The plain pair goes first in every other round, so that neither mode always follows the raw write.
                var plainFirst = round % 2 == 1;
                var plainSeed = round * 1000 + size + 2;
                var plain = plainFirst ? await IngestAsync(plainSilos.Client, Payloads(size, count, plainSeed), programBase) : default;
                var (ingest, perCheckpoint) = await IngestAsync(silos.Client, Payloads(size, count, seed: round * 1000 + size + 1), programBase);
                if (!plainFirst)
                {
                    plain = await IngestAsync(plainSilos.Client, Payloads(size, count, plainSeed), programBase);
                }
                loaded.AddRange(perCheckpoint);
                rawRates.Add(raw);
                ingestRates.Add(ingest);
                plainRates.Add(plain.MegabytesPerSecond);
                ratios.Add(ingest / raw);
                tlsCosts.Add(ingest / plain.MegabytesPerSecond);
            }

            var checkpointsPerSecond = Stats.Median(ingestRates) * (1 << 20) / size;
            loaded.Sort();
            Console.WriteLine($"{label,6}: ingest {Stats.Median(ingestRates),8:0.0} MB/s ({checkpointsPerSecond,7:0.0} checkpoints/s)   raw Npgsql {Stats.Median(rawRates),8:0.0} MB/s   ratio {Stats.Median(ratios):0.00}   ack under load p50 {Stats.Percentile(loaded, 0.5):0} ms p99 {Stats.Percentile(loaded, 0.99):0} ms");
            Console.WriteLine($"{"",6}  ceiling's best way per round: {string.Join("; ", rawMethods)}");
            Console.WriteLine($"{"",6}  plain silos {Stats.Median(plainRates),8:0.0} MB/s   mTLS/plain {Stats.Median(tlsCosts):0.00}");
            headline[$"ingest_{label}_ratio"] = Math.Round(Stats.Median(ratios), 3);
            headline[$"ingest_{label}_mb_s"] = Math.Round(Stats.Median(ingestRates), 1);
            headline[$"ceiling_{label}_mb_s"] = Math.Round(Stats.Median(rawRates), 1);
            headline[$"ingest_{label}_tls_over_plain"] = Math.Round(Stats.Median(tlsCosts), 3);
        }

        // Service time: one program offering 1 MiB checkpoints one after another, nothing else running.
        var (_, latencies) = await IngestAsync(silos.Client, Payloads(1 << 20, quick ? 40 : 200, seed: 7), programBase: 5_000_000, concurrency: 1);
        latencies.Sort();
        headline["ack_p50_ms"] = Math.Round(Stats.Percentile(latencies, 0.50), 1);
        headline["ack_p99_ms"] = Math.Round(Stats.Percentile(latencies, 0.99), 1);
        Console.WriteLine($"ack latency, 1 MiB checkpoints one at a time ({latencies.Count}): p50 {headline["ack_p50_ms"]} ms, p99 {headline["ack_p99_ms"]} ms");

        await IncrementalAsync(silos, quick ? 20 : 100, headline);
        Console.WriteLine(JsonSerializer.Serialize(headline));
    }

    internal static IEnumerable<byte[]> Payloads(int size, int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var payload = new byte[size];
            random.NextBytes(payload);
            yield return payload;
        }
    }

    /// <summary>
    /// <see cref="Concurrency"/> programs (warm activations, as in a running fleet) each offer successive
    /// versions; every payload is fresh random bytes, so nothing deduplicates.
    /// </summary>
    internal static async Task<(double MegabytesPerSecond, List<double> LatenciesMs)> IngestAsync(IClusterClient client, IEnumerable<byte[]> payloads, int programBase, int concurrency = Concurrency)
    {
        var prepared = payloads.Select(p => new PreparedChunkSource(p, 0)).ToList();
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var key = new CheckpointKey("02:00:00:00:00:01", programBase + worker);
            for (var i = worker; i < prepared.Count; i += concurrency)
            {
                var started = Stopwatch.GetTimestamp();
                await OfferUntilAcknowledgedAsync(client, key, prepared[i].WithVersion(i + 1));
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        return (prepared.Sum(p => p.Manifest.TotalSize) / seconds / (1 << 20), latencies);
    }

    internal static async Task<OfferResult> OfferUntilAcknowledgedAsync(IClusterClient client, CheckpointKey key, PreparedChunkSource checkpoint)
    {
        var reference = client.CreateObjectReference<IChunkSource>(checkpoint);
        try
        {
            var grain = client.GetGrain<ICheckpointGrain>(key.ToString());
            // As an agent offers: a small checkpoint's chunks attached (IngestClientOptions.AttachUpToBytes).
            var attached = checkpoint.EncodedBytes <= AttachUpToBytes ? checkpoint.Chunks.ToList() : null;
            while (true)
            {
                var result = attached is null
                    ? await grain.OfferAsync(checkpoint.Manifest, reference)
                    : await grain.OfferAttachedAsync(checkpoint.Manifest, attached, reference);
                if (result.IsAcknowledged)
                {
                    return result;
                }

                await Task.Delay(result.RetryAfter);
            }
        }
        finally
        {
            client.DeleteObjectReference<IChunkSource>(reference);
        }
    }

    /// <summary>
    /// Successive versions of one 16 MiB program that rewrites 2% of its memory between checkpoints, offered twice per
    /// version, as two programs: with the chunk-list digest agents write, and with the payload digest of older agents
    /// (for which the silo reads every unchanged chunk back), alternating which goes first. Reports the bytes sent, and
    /// per checkpoint the ack latency and the silos' CPU (nothing else runs meanwhile).
    /// </summary>
    private static async Task IncrementalAsync(BenchSilos silos, int versions, Dictionary<string, double> headline)
    {
        const int Size = 16 << 20;
        var chunkList = new CheckpointKey("02:00:00:00:00:02", 1);
        var payloadDigest = new CheckpointKey("02:00:00:00:00:02", 2);
        // Each program its own memory, so that they share no chunk, dirtied alike (runs of the same places and lengths).
        var memories = new Dictionary<CheckpointKey, (byte[] Memory, Random Dirt)>
        {
            [chunkList] = (RandomMemory(Size, seed: 42), new Random(42)),
            [payloadDigest] = (RandomMemory(Size, seed: 43), new Random(42)),
        };
        var costs = new Dictionary<CheckpointKey, (List<double> Ms, List<double> CpuMs)> { [chunkList] = ([], []), [payloadDigest] = ([], []) };
        long sent = 0, changed = 0, full = 0;
        for (var version = 1; version <= versions; version++)
        {
            CheckpointKey[] order = version % 2 == 0 ? [chunkList, payloadDigest] : [payloadDigest, chunkList];
            foreach (var key in order)
            {
                var (memory, dirt) = memories[key];
                var rewritten = version > 1 ? Dirty(memory, 0.02, dirt) : Size;
                var checkpoint = new PreparedChunkSource(memory, version);
                var cpuBefore = SiloCpuSeconds(silos);
                var started = Stopwatch.GetTimestamp();
                var result = await OfferUntilAcknowledgedAsync(silos.Client, key, key == chunkList ? checkpoint : checkpoint.WithPayloadDigest());
                if (version > 1)
                {
                    costs[key].Ms.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    costs[key].CpuMs.Add((SiloCpuSeconds(silos) - cpuBefore) * 1000);
                }

                if (key == chunkList)
                {
                    sent += result.BytesPulled;
                    changed += rewritten;
                    full += Size;
                }
            }
        }

        await using var connection = new NpgsqlConnection(silos.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var stored = new NpgsqlCommand("SELECT coalesce(sum(length(data)), 0) FROM cms_chunks c JOIN (SELECT DISTINCT sha256 FROM cms_chunk_refs WHERE checkpoint = $1) r USING (sha256)", connection);
        stored.Parameters.Add(new() { Value = chunkList.ToString() });
        var storedBytes = (long)(await stored.ExecuteScalarAsync())!;
        Console.WriteLine($"incremental, {versions} versions of 16 MiB dirtying 2%: sent {sent / 1048576.0:0.0} MiB; full copies {full / 1048576.0:0.0} MiB; bytes changed {changed / 1048576.0:0.0} MiB; stored now (3 retained versions) {storedBytes / 1048576.0:0.0} MiB");
        headline["incremental_sent_over_full"] = Math.Round((double)sent / full, 4);
        headline["incremental_sent_over_changed"] = Math.Round((double)sent / changed, 3);
        foreach (var (key, name) in new[] { (chunkList, "chunk-list digest"), (payloadDigest, "payload digest (older agents)") })
        {
            var (ms, cpuMs) = costs[key];
            var suffix = key == chunkList ? "" : "_payload_digest";
            headline[$"incremental_ack_p50_ms{suffix}"] = Math.Round(Stats.Median(ms), 1);
            headline[$"incremental_silo_cpu_ms{suffix}"] = Math.Round(Stats.Median(cpuMs), 1);
            Console.WriteLine($"  {name,-30} per checkpoint: ack p50 {Stats.Median(ms):0.0} ms, p99 {Stats.Percentile(ms, 0.99):0.0} ms; silos' CPU median {Stats.Median(cpuMs):0.0} ms");
        }
    }

    private static byte[] RandomMemory(int size, int seed)
    {
        var memory = new byte[size];
        new Random(seed).NextBytes(memory);
        return memory;
    }

    private static double SiloCpuSeconds(BenchSilos silos) => silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds);

    /// <summary>Rewrites clustered runs adding up to <paramref name="fraction"/> of the memory; returns the bytes rewritten.</summary>
    private static long Dirty(byte[] memory, double fraction, Random random)
    {
        const int Run = 32 * 1024;
        var left = (long)(memory.Length * fraction);
        long total = 0;
        while (left > 0)
        {
            var length = (int)Math.Min(Run, left);
            random.NextBytes(memory.AsSpan(random.Next(0, memory.Length - length), length));
            left -= length;
            total += length;
        }

        return total;
    }
}
