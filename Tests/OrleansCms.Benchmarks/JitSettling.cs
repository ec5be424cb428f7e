using System.Diagnostics;
using OrleansCms.Fleet;

namespace OrleansCms.Benchmarks;

/// <summary>
/// Warm-up until the .NET processes under test have compiled their hot code at its final tier. A runtime promotes a
/// method through its tiers on one background thread per process, which on two busy cores lags the load by minutes:
/// measured on 2026-12-08, 64 KiB ingest ran at 12 MB/s while the silos' and the client's tiered compilation took a
/// third of the machine, and at 15-18 MB/s once it had mostly finished. So a warm-up runs its rounds until the
/// processes' tiered-compilation threads (read from Linux's /proc) use less than <see cref="QuietShare"/> of a core over
/// a round. It never reaches zero: a method called once per round, or per new activation, climbs a tier only after
/// dozens of rounds.
/// </summary>
public static class JitSettling
{
    /// <summary>The share of one core, over a round, below which the compilation counts as finished.</summary>
    public const double QuietShare = 0.10;

    /// <summary>
    /// Runs <paramref name="round"/> until the tiered compilation of <paramref name="members"/> and of this process is
    /// quiet over one round (at least <paramref name="minRounds"/>, at most <paramref name="maxRounds"/> rounds), printing each round.
    /// </summary>
    public static async Task WarmUpAsync(string what, IEnumerable<FleetMember> members, Func<Task> round, int minRounds = 1, int maxRounds = 15)
    {
        var pids = members.Select(m => m.ProcessId).OfType<int>().Append(Environment.ProcessId).ToList();
        for (var n = 1; ; n++)
        {
            var before = CompilingThreads(pids);
            var clock = Stopwatch.StartNew();
            await round();
            // By thread: a runtime ends its compilation thread when it idles and starts another later.
            var share = CompilingThreads(pids).Sum(t => t.Value - before.GetValueOrDefault(t.Key)) / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"warm-up {what}, round {n}: {clock.Elapsed.TotalSeconds:0.0} s, tiered compilation {share:P0} of a core");
            if ((n >= minRounds && share < QuietShare) || n >= maxRounds)
            {
                return;
            }
        }
    }

    /// <summary>The CPU seconds of each tiered-compilation thread of the processes, by /proc task path.</summary>
    public static Dictionary<string, double> CompilingThreads(IEnumerable<int> pids)
    {
        var threads = new Dictionary<string, double>();
        foreach (var pid in pids)
        {
            string[] tasks;
            try
            {
                tasks = Directory.GetDirectories($"/proc/{pid}/task");
            }
            catch (DirectoryNotFoundException)
            {
                continue; // the process has gone
            }

            foreach (var task in tasks.Where(t => ProcReader.Name(t).StartsWith(".NET Tiered", StringComparison.Ordinal)))
            {
                threads[task] = ProcReader.CpuSeconds(Path.Combine(task, "stat"));
            }
        }

        return threads;
    }
}
