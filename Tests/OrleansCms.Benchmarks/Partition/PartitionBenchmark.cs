using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansCms.Fleet;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// Cuts an agent off from every silo again and again (a network namespace whose packets are dropped), with cuts shorter
/// than the fence deadline, between it and the lease, and longer than the lease, and measures the at-most-one-copy
/// invariant (sampled from /proc every 50 ms), how long programs stayed frozen, false failures and lost acknowledged
/// checkpoints. Returns 1 when an invariant failed.
/// </summary>
public static class PartitionBenchmark
{
    private const double LeaseMs = 2000; // Cms:Liveness:Lease's default, which the silos here run with
    private static readonly CutKind[] Mix = [CutKind.Short, CutKind.Medium, CutKind.Long, CutKind.Medium];

    public static async Task<int> RunAsync(string serverConnectionString, string[] args)
    {
        var options = PartitionOptions.Parse(args);
        using var network = NetworkNamespace.Create();
        await using var cms = await BenchSilos.StartAsync(serverConnectionString, advertisedIp: network.HostAddress);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"partition benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, 2 silos, lease {LeaseMs / 1000:0.#} s, {options.Minutes:0.##} min"));
        var cuts = new List<CutResult>();
        var clock = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        int maxUnfrozen;
        await using (var rig = await PartitionRig.StartAsync(cms, network))
        {
            while (clock.Elapsed.TotalMinutes < options.Minutes)
            {
                var cut = await rig.CutAsync(Mix[cuts.Count % Mix.Length]);
                cuts.Add(cut);
                if (cut.DeclaredFailed || cut.Lost.Count > 0)
                {
                    Console.WriteLine($"cut {cuts.Count} ({cut.Kind}, {cut.CutMs:0} ms): {(cut.DeclaredFailed ? "ECU declared failed; " : "")}{cut.Lost.Count} acknowledged versions lost {string.Join(", ", cut.Lost)}");
                }

                if (sinceProgress.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine(Progress(clock.Elapsed, cuts, rig.Sampler.MaxUnfrozenCopies));
                    sinceProgress.Restart();
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            maxUnfrozen = rig.Sampler.MaxUnfrozenCopies;
            Console.WriteLine(Progress(clock.Elapsed, cuts, maxUnfrozen) + $", {rig.Sampler.Samples} samples");
        }

        var frozen = cuts.Where(c => c.FrozenMs is not null).Select(c => c.FrozenMs!.Value).ToList();
        foreach (var kind in Enum.GetValues<CutKind>())
        {
            var of = cuts.Where(c => c.Kind == kind).ToList();
            var ofFrozen = of.Where(c => c.FrozenMs is not null).Select(c => c.FrozenMs!.Value).ToList();
            Console.WriteLine($"{kind,-6}: {of.Count} cuts, cut p50 {Stats.Median(of.Select(c => c.CutMs)):0} ms, {ofFrozen.Count} froze"
                + (ofFrozen.Count > 0 ? $", frozen p50 {Stats.Median(ofFrozen):0} ms, max {ofFrozen.Max():0} ms" : ""));
        }

        var falseFailures = cuts.Count(c => c.DeclaredFailed);
        var lost = cuts.Sum(c => c.Lost.Count);
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["partitions"] = cuts.Count,
            ["short_cuts"] = cuts.Count(c => c.Kind == CutKind.Short),
            ["medium_cuts"] = cuts.Count(c => c.Kind == CutKind.Medium),
            ["long_cuts"] = cuts.Count(c => c.Kind == CutKind.Long),
            ["frozen_cuts"] = frozen.Count,
            ["max_unfrozen_copies"] = maxUnfrozen,
            ["frozen_ms_p50"] = frozen.Count > 0 ? Math.Round(Stats.Median(frozen)) : 0,
            ["frozen_ms_p99"] = frozen.Count > 0 ? Math.Round(Stats.Percentile(frozen, 0.99)) : 0,
            ["false_failures"] = falseFailures,
            ["acked_lost"] = lost,
            ["lease_ms"] = LeaseMs,
            ["minutes"] = Math.Round(clock.Elapsed.TotalMinutes, 2),
        }));
        return maxUnfrozen > 1 || falseFailures > 0 || lost > 0 ? 1 : 0;
    }

    private static string Progress(TimeSpan elapsed, IReadOnlyList<CutResult> cuts, int maxUnfrozen) =>
        $"{elapsed.TotalSeconds,5:0} s: {cuts.Count} cuts ({cuts.Count(c => c.FrozenMs is not null)} froze), max unfrozen copies {maxUnfrozen}, "
        + $"false failures {cuts.Count(c => c.DeclaredFailed)}, acknowledged lost {cuts.Sum(c => c.Lost.Count)}";
}
