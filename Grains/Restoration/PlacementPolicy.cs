using System.ComponentModel.DataAnnotations;
using System.Globalization;
using OrleansCms.Checkpoints;

namespace OrleansCms.Restoration;

/// <summary>
/// Chooses the ECU each restored program runs on. Plain, deterministic logic: no I/O, no grains, no clock.
/// </summary>
/// <remarks>
/// <para>
/// A candidate fits a request when it is not the request's <see cref="PlacementRequest.ExcludeMac"/>, its free RAM
/// (total − used − <see cref="PlacementOptions.RamHeadroomBytes"/> − RAM already given to it in this batch) is at least
/// the program's need (max of declared RAM and checkpoint size), and, for a program that declares a period and a WCET,
/// its utilization plus the program's stays within <see cref="PlacementOptions.UtilizationBound"/>.
/// </para>
/// <para>
/// Among fitting candidates the <see cref="PlacementRequest.PreferredMac"/> wins; otherwise the lowest score, then the
/// lowest MAC (ordinal). The score is the candidate's load as if the program were already placed there:
/// <c>CpuWeight × (clamp(CpuLoad, 0, 1) + batchCpu + programCpu) + RamWeight × (RamUsed + batchRam + need) / RamTotal</c>,
/// minus <see cref="PlacementOptions.LatencyCriticalBonus"/> for a latency-critical program on an ECU beside a silo.
/// A program's CPU is its declared utilization, taken as a share of the whole ECU (conservative on a multi-core ECU,
/// and the same single-core model as the utilization bound), or <see cref="PlacementOptions.UndeclaredProgramCpu"/>.
/// </para>
/// </remarks>
public sealed class PlacementPolicy(PlacementOptions options)
{
    private readonly PlacementOptions _options = Validated(options);

    /// <summary>
    /// Places every request, larger programs first, counting what earlier placements in the batch take from each ECU.
    /// Returns one decision per request, in request order.
    /// </summary>
    /// <exception cref="ArgumentException">A request or candidate is null or malformed (see the record docs).</exception>
    public IReadOnlyList<PlacementDecision> PlaceBatch(IReadOnlyList<PlacementRequest> requests, IReadOnlyList<PlacementCandidate> candidates)
    {
        ValidateRequests(requests);
        ValidateCandidates(candidates);

        var assigned = new Dictionary<string, Load>(StringComparer.OrdinalIgnoreCase);
        var decisions = new PlacementDecision[requests.Count];
        // Larger programs have the fewest places to go, so they choose first. OrderBy is stable: equal needs keep request order.
        foreach (var index in Enumerable.Range(0, requests.Count).OrderByDescending(i => Need(requests[i])))
        {
            var request = requests[index];
            decisions[index] = Place(request, candidates, assigned);
            if (decisions[index].TargetMac is { } mac)
            {
                var demand = Demand.Of(request, _options);
                assigned[mac] = assigned.GetValueOrDefault(mac) + new Load(demand.Ram, demand.RealTime?.Utilization ?? 0, demand.Cpu);
            }
        }

        return decisions;
    }

    private PlacementDecision Place(PlacementRequest request, IReadOnlyList<PlacementCandidate> candidates, IReadOnlyDictionary<string, Load> assigned)
    {
        if (RealTimeDemand.Problem(request.Program) is { } problem)
        {
            return Pending(request, $"program {problem}; cannot check it against the utilization bound");
        }

        var demand = Demand.Of(request, _options);
        var best = Ranked(demand, candidates, assigned).FirstOrDefault();
        return best is null
            ? Pending(request, WhyNothingFits(demand, candidates, assigned))
            : new PlacementDecision(request.ProgramKey, best.Mac, null);
    }

    private IEnumerable<PlacementCandidate> Ranked(Demand demand, IReadOnlyList<PlacementCandidate> candidates, IReadOnlyDictionary<string, Load> assigned) =>
        Eligible(demand.Request, candidates)
            .Where(c => FreeRam(c, assigned) >= demand.Ram && WithinBound(c, demand, assigned))
            .OrderBy(c => SameMac(c.Mac, demand.Request.PreferredMac) ? 0 : 1)
            .ThenBy(c => Score(c, demand, assigned.GetValueOrDefault(c.Mac)))
            .ThenBy(c => c.Mac, StringComparer.Ordinal);

    private double Score(PlacementCandidate candidate, Demand demand, Load load)
    {
        var cpu = Math.Clamp(candidate.CpuLoad, 0, 1) + load.Cpu + demand.Cpu;
        var ram = candidate.RamTotalBytes > 0
            ? ((double)candidate.RamUsedBytes + load.Ram + demand.Ram) / candidate.RamTotalBytes
            : 1;
        var score = (_options.CpuWeight * cpu) + (_options.RamWeight * ram);
        return demand.Request.Program.LatencyCritical && candidate.BesideCmsSilo ? score - _options.LatencyCriticalBonus : score;
    }

    private long FreeRam(PlacementCandidate candidate, IReadOnlyDictionary<string, Load> assigned) =>
        candidate.RamTotalBytes - candidate.RamUsedBytes - _options.RamHeadroomBytes - assigned.GetValueOrDefault(candidate.Mac).Ram;

    private double UtilizationOf(PlacementCandidate candidate, IReadOnlyDictionary<string, Load> assigned) =>
        candidate.DeclaredUtilization + assigned.GetValueOrDefault(candidate.Mac).Utilization;

    private bool WithinBound(PlacementCandidate candidate, Demand demand, IReadOnlyDictionary<string, Load> assigned) =>
        demand.RealTime is not { } realTime || realTime.FitsWithin(UtilizationOf(candidate, assigned), _options.UtilizationBound);

    private string WhyNothingFits(Demand demand, IReadOnlyList<PlacementCandidate> candidates, IReadOnlyDictionary<string, Load> assigned)
    {
        var eligible = Eligible(demand.Request, candidates).OrderBy(c => c.Mac, StringComparer.Ordinal).ToList();
        if (eligible.Count == 0)
        {
            return demand.Request.ExcludeMac is { } excluded ? $"no alive ECU other than {excluded}" : "no alive ECU";
        }

        var withRam = eligible.Where(c => FreeRam(c, assigned) >= demand.Ram).ToList();
        if (withRam.Count == 0)
        {
            var roomiest = eligible.MaxBy(c => FreeRam(c, assigned))!;
            return $"no alive ECU with {Bytes(demand.Ram)} free RAM (largest free: {Bytes(FreeRam(roomiest, assigned))} on {roomiest.Mac})";
        }

        // Everything with enough RAM is over the utilization bound.
        var idlest = withRam.MinBy(c => UtilizationOf(c, assigned))!;
        return $"no ECU with enough free RAM stays within the utilization bound {Number(_options.UtilizationBound)} "
            + $"(program needs {Number(demand.RealTime?.Utilization ?? 0)}; lowest utilization: {Number(UtilizationOf(idlest, assigned))} on {idlest.Mac})";
    }

    private static IEnumerable<PlacementCandidate> Eligible(PlacementRequest request, IReadOnlyList<PlacementCandidate> candidates) =>
        candidates.Where(c => !SameMac(c.Mac, request.ExcludeMac));

    private static long Need(PlacementRequest request) => Math.Max(request.Program.RamBytes, request.CheckpointBytes);

    private static bool SameMac(string mac, string? other) => string.Equals(mac, other, StringComparison.OrdinalIgnoreCase);

    private static PlacementDecision Pending(PlacementRequest request, string reason) => new(request.ProgramKey, null, reason);

    private static string Bytes(long bytes) => Math.Max(bytes, 0) switch
    {
        < 1L << 10 and var b => $"{b} B",
        < 1L << 20 and var b => string.Create(CultureInfo.InvariantCulture, $"{b / 1024.0:0.#} KiB"),
        < 1L << 30 and var b => string.Create(CultureInfo.InvariantCulture, $"{b / 1048576.0:0.#} MiB"),
        var b => string.Create(CultureInfo.InvariantCulture, $"{b / 1073741824.0:0.##} GiB"),
    };

    private static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static PlacementOptions Validated(PlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new ArgumentException($"Invalid placement options: {string.Join(" ", errors.Select(e => e.ErrorMessage))}", nameof(options));
        }

        return options;
    }

    private static void ValidateRequests(IReadOnlyList<PlacementRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            if (request is null)
            {
                throw new ArgumentException("A placement request is null.", nameof(requests));
            }

            if (string.IsNullOrWhiteSpace(request.ProgramKey) || request.Program is null)
            {
                throw new ArgumentException("A placement request has no program key or no program.", nameof(requests));
            }

            if (request.Program.RamBytes < 0 || request.CheckpointBytes < 0)
            {
                throw new ArgumentException($"Program {request.ProgramKey} has a negative RAM or checkpoint size.", nameof(requests));
            }

            if (!keys.Add(request.ProgramKey))
            {
                throw new ArgumentException($"Program {request.ProgramKey} is requested twice in one batch.", nameof(requests));
            }
        }
    }

    private static void ValidateCandidates(IReadOnlyList<PlacementCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var macs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in candidates)
        {
            if (candidate is null || string.IsNullOrWhiteSpace(candidate.Mac))
            {
                throw new ArgumentException("A placement candidate is null or has no MAC.", nameof(candidates));
            }

            if (candidate.RamTotalBytes < 0 || candidate.RamUsedBytes < 0)
            {
                throw new ArgumentException($"ECU {candidate.Mac} reports negative RAM.", nameof(candidates));
            }

            // A load slightly outside 0..1 is measurement noise and is clamped when scoring; NaN or infinity is a bug.
            if (!double.IsFinite(candidate.CpuLoad))
            {
                throw new ArgumentException($"ECU {candidate.Mac} reports a CPU load of {candidate.CpuLoad}.", nameof(candidates));
            }

            if (!double.IsFinite(candidate.DeclaredUtilization) || candidate.DeclaredUtilization < 0)
            {
                throw new ArgumentException($"ECU {candidate.Mac} reports a declared utilization of {candidate.DeclaredUtilization}.", nameof(candidates));
            }

            if (!macs.Add(candidate.Mac))
            {
                throw new ArgumentException($"ECU {candidate.Mac} is a candidate twice.", nameof(candidates));
            }
        }
    }

    /// <summary>What a program asks of its target. <see cref="RealTime"/> is null for a program that declares no timing.</summary>
    private sealed record Demand(PlacementRequest Request, long Ram, RealTimeDemand? RealTime, double Cpu)
    {
        // Only called once RealTimeDemand.Problem has found the timing absent or consistent.
        public static Demand Of(PlacementRequest request, PlacementOptions options)
        {
            RealTimeDemand.TryRead(request.Program, out var realTime, out _);
            return new Demand(request, Need(request), realTime, realTime?.Utilization ?? options.UndeclaredProgramCpu);
        }
    }

    /// <summary>What this batch has already given one ECU.</summary>
    private readonly record struct Load(long Ram, double Utilization, double Cpu)
    {
        public static Load operator +(Load a, Load b) => new(a.Ram + b.Ram, a.Utilization + b.Utilization, a.Cpu + b.Cpu);
    }
}
