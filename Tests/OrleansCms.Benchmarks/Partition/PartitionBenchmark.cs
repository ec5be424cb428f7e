using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansCms.Fleet;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// Injects faults in a random order under steady checkpoint load: cuts of an agent's network (a network namespace
/// whose packets are dropped) shorter than the fence deadline, between it and the lease, and longer than the lease;
/// silo kills; and kills of the cut-off agent's process alone. Measures the at-most-one-copy invariant (sampled from
/// /proc every 50 ms), how long programs stayed frozen, false failures and lost acknowledged checkpoints. Returns 1
/// when an invariant failed.
/// </summary>
public static class PartitionBenchmark
{
    private const double LeaseMs = 2000; // Cms:Liveness:Lease's default, which the silos here run with

    // How often each fault is drawn: mostly cuts, the ones within the lease most.
    private static readonly (FaultKind Kind, int Weight)[] Mix =
        [(FaultKind.Short, 3), (FaultKind.Medium, 4), (FaultKind.Long, 2), (FaultKind.SiloKill, 2), (FaultKind.AgentKill, 2)];

    public static async Task<int> RunAsync(string serverConnectionString, string[] args)
    {
        var options = PartitionOptions.Parse(args);
        using var network = NetworkNamespace.Create();
        await using var cms = await BenchSilos.StartAsync(serverConnectionString, advertisedIp: network.HostAddress);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"partition benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, 2 silos, lease {LeaseMs / 1000:0.#} s, {options.Minutes:0.##} min, seed {options.Seed}"));
        var random = new Random(options.Seed);
        var faults = new List<FaultResult>();
        var clock = Stopwatch.StartNew();
        var sinceProgress = Stopwatch.StartNew();
        int maxUnfrozen;
        await using (var rig = await PartitionRig.StartAsync(cms, network))
        {
            while (clock.Elapsed.TotalMinutes < options.Minutes)
            {
                var violationsBefore = rig.Sampler.Violations.Count;
                var fault = await rig.InjectAsync(Draw(random), random);
                faults.Add(fault);
                foreach (var violation in rig.Sampler.Violations.Skip(violationsBefore))
                {
                    Console.WriteLine($"INVARIANT BROKEN in fault {faults.Count} ({fault.Kind}): {violation}; agents {rig.AgentNames()}");
                }

                if (fault.FalseFailure || fault.Lost.Count > 0)
                {
                    Console.WriteLine($"fault {faults.Count} ({fault.Kind}, {fault.Ms:0} ms): {(fault.FalseFailure ? "ECU declared failed; " : "")}{fault.Lost.Count} acknowledged versions lost {string.Join(", ", fault.Lost)}");
                }

                if (sinceProgress.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine(Progress(clock.Elapsed, faults, rig.Sampler.MaxUnfrozenCopies));
                    sinceProgress.Restart();
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            maxUnfrozen = rig.Sampler.MaxUnfrozenCopies;
            Console.WriteLine(Progress(clock.Elapsed, faults, maxUnfrozen) + $", {rig.Sampler.Samples} samples");
        }

        var cuts = faults.Where(f => f.Kind is FaultKind.Short or FaultKind.Medium or FaultKind.Long).ToList();
        var frozen = cuts.Where(c => c.FrozenMs is not null).Select(c => c.FrozenMs!.Value).ToList();
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            var of = faults.Where(c => c.Kind == kind).ToList();
            var ofFrozen = of.Where(c => c.FrozenMs is not null).Select(c => c.FrozenMs!.Value).ToList();
            Console.WriteLine($"{kind,-9}: {of.Count}, lasting p50 {(of.Count > 0 ? Stats.Median(of.Select(c => c.Ms)) : 0):0} ms, {ofFrozen.Count} froze"
                + (ofFrozen.Count > 0 ? $", frozen p50 {Stats.Median(ofFrozen):0} ms, max {ofFrozen.Max():0} ms" : ""));
        }

        var falseFailures = faults.Count(c => c.FalseFailure);
        var lost = faults.Sum(c => c.Lost.Count);
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["partitions"] = cuts.Count,
            ["short_cuts"] = cuts.Count(c => c.Kind == FaultKind.Short),
            ["medium_cuts"] = cuts.Count(c => c.Kind == FaultKind.Medium),
            ["long_cuts"] = cuts.Count(c => c.Kind == FaultKind.Long),
            ["silo_kills"] = faults.Count(c => c.Kind == FaultKind.SiloKill),
            ["agent_kills"] = faults.Count(c => c.Kind == FaultKind.AgentKill),
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

    private static FaultKind Draw(Random random)
    {
        var draw = random.Next(Mix.Sum(m => m.Weight));
        foreach (var (kind, weight) in Mix)
        {
            if ((draw -= weight) < 0)
            {
                return kind;
            }
        }

        throw new InvalidOperationException("unreachable: the draw is below the weights' sum");
    }

    private static string Progress(TimeSpan elapsed, IReadOnlyList<FaultResult> faults, int maxUnfrozen) =>
        $"{elapsed.TotalSeconds,5:0} s: {faults.Count} faults ({faults.Count(c => c.FrozenMs is not null)} froze), max unfrozen copies {maxUnfrozen}, "
        + $"false failures {faults.Count(c => c.FalseFailure)}, acknowledged lost {faults.Sum(c => c.Lost.Count)}";
}
