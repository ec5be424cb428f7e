using OrleansCms.Fleet;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// Each silo's resident memory (VmRSS from /proc/PID/status), sampled on the run's clock. A restarted silo is a new
/// process, so samples are kept per incarnation (silo number, pid).
/// </summary>
public sealed class SiloMemory
{
    private readonly List<SiloIncarnation> _incarnations = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<SiloIncarnation> Incarnations
    {
        get
        {
            lock (_lock)
            {
                return [.. _incarnations];
            }
        }
    }

    public void Sample(IEnumerable<FleetMember> silos, TimeSpan at)
    {
        foreach (var silo in silos)
        {
            if (silo.Process is not { HasExited: false } process || ProcReader.RssBytes(process.Id) is not { } rss)
            {
                continue;
            }

            lock (_lock)
            {
                var incarnation = _incarnations.LastOrDefault(i => i.Silo == silo.Spec.Name && i.Pid == process.Id);
                if (incarnation is null)
                {
                    incarnation = new SiloIncarnation(silo.Spec.Name, _incarnations.Count(i => i.Silo == silo.Spec.Name) + 1, process.Id);
                    _incarnations.Add(incarnation);
                }

                incarnation.Samples.Add((at, rss / 1048576.0));
            }
        }
    }

    /// <summary>"silo-1 212 MB, silo-2 down, …": the latest sample of each silo's running incarnation.</summary>
    public string Now(IEnumerable<FleetMember> silos)
    {
        lock (_lock)
        {
            return string.Join(", ", silos.Select(s => s.Process is { HasExited: false } p && _incarnations.LastOrDefault(i => i.Pid == p.Id) is { Samples.Count: > 0 } i
                ? $"{s.Spec.Name} {i.Samples[^1].Mb:0} MB"
                : $"{s.Spec.Name} down"));
        }
    }
}

/// <summary>One life of one silo process and its memory samples (MiB) on the run's clock.</summary>
public sealed class SiloIncarnation(string silo, int life, int pid)
{
    /// <summary>The silo's name, e.g. <c>silo-1</c>.</summary>
    public string Silo { get; } = silo;

    public int Life { get; } = life;

    public int Pid { get; } = pid;

    public List<(TimeSpan At, double Mb)> Samples { get; } = [];

    public double First => Samples[0].Mb;

    public double Last => Samples[^1].Mb;

    public double Median => Stats.Median(Samples.Select(s => s.Mb));

    public double Max => Samples.Max(s => s.Mb);

    /// <summary>
    /// Flatness: the median of the last <paramref name="window"/> of samples against the median of the first window
    /// that starts <paramref name="warmUp"/> after <paramref name="loadStart"/> or after this silo started, whichever
    /// is later (a silo fills its caches and JIT at first). Null when the life is too short for two windows of at least
    /// three samples each.
    /// </summary>
    public (double FirstMb, double LastMb, double GrowthPct, TimeSpan From, TimeSpan To)? Flatness(TimeSpan loadStart, TimeSpan warmUp, TimeSpan window)
    {
        var from = (Samples[0].At > loadStart ? Samples[0].At : loadStart) + warmUp;
        var end = Samples[^1].At;
        window = TimeSpan.FromTicks(Math.Min(window.Ticks, (end - from).Ticks / 2));
        var first = Samples.Where(s => s.At >= from && s.At < from + window).Select(s => s.Mb).ToList();
        var last = Samples.Where(s => s.At > end - window).Select(s => s.Mb).ToList();
        if (first.Count < 3 || last.Count < 3)
        {
            return null;
        }

        var (a, b) = (Stats.Median(first), Stats.Median(last));
        return (a, b, (b / a - 1) * 100, from, end - window);
    }
}
