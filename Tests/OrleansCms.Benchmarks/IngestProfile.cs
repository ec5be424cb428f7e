using System.Diagnostics;
using System.Globalization;

namespace OrleansCms.Benchmarks;

/// <summary>
/// <c>./cms bench ingest --profile [64kib|1mib|8mib]</c>: where one size's ingest spends the machine. After the
/// benchmark's warm-up, slices of offers through the TLS silos, each reported as MB/s, the ack p50 and the CPU per
/// checkpoint of the silos, of this client (playing the agents) and of PostgreSQL (every <c>postgres</c> process,
/// background workers included), with the runtimes' tiered compilation apart (a slice it dominates is not steady).
/// </summary>
public static class IngestProfile
{
    private const int Slices = 6;

    public static async Task RunAsync(BenchSilos silos, string size)
    {
        var bytes = size switch
        {
            "64kib" => 64 << 10,
            "1mib" => 1 << 20,
            "8mib" => 8 << 20,
            _ => throw new ArgumentException($"--profile takes 64kib, 1mib or 8mib, not '{size}'."),
        };
        var count = (int)Math.Max(24, (64L << 20) / bytes);
        Console.WriteLine($"profile of {size} ingest: {Slices} slices of {count} checkpoints through the TLS silos");
        var pids = silos.Silos.Select(s => s.ProcessId).OfType<int>().Append(Environment.ProcessId).ToList();
        using var self = Process.GetCurrentProcess();
        for (var slice = 0; slice < Slices; slice++)
        {
            self.Refresh();
            var before = (Silos: SilosCpu(silos), Client: self.TotalProcessorTime.TotalSeconds, Postgres: PostgresCpu(), Compiling: JitSettling.CompilingThreads(pids));
            var (megabytes, latencies) = await IngestBenchmark.IngestAsync(
                silos.Client, IngestBenchmark.Payloads(bytes, count, seed: 7_000 + slice), programBase: 8_000_000 + (slice * 100));
            self.Refresh();
            var compiling = JitSettling.CompilingThreads(pids).Sum(t => t.Value - before.Compiling.GetValueOrDefault(t.Key));
            double PerCheckpoint(double seconds) => seconds * 1000 / count;
            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  slice {slice + 1}: {megabytes,6:0.0} MB/s, ack p50 {Stats.Percentile(latencies, 0.5),6:0.0} ms; CPU per checkpoint: silos {PerCheckpoint(SilosCpu(silos) - before.Silos):0.00} ms, "
                + $"client {PerCheckpoint(self.TotalProcessorTime.TotalSeconds - before.Client):0.00} ms, PostgreSQL {PerCheckpoint(PostgresCpu() - before.Postgres):0.00} ms "
                + $"(tiered compilation {PerCheckpoint(compiling):0.00} ms of these)"));
        }
    }

    private static double SilosCpu(BenchSilos silos) => silos.Silos.Sum(s => s.Process!.ProcessorTime.TotalSeconds);

    private static double PostgresCpu() =>
        Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Where(pid => ProcReader.Name($"/proc/{pid}") == "postgres")
            .Sum(pid => ProcReader.CpuSeconds($"/proc/{pid}/stat"));
}
