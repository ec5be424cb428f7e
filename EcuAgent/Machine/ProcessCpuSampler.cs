using System.Diagnostics;
using System.Globalization;

namespace OrleansCms.Machine;

/// <summary>A process's CPU load (share of all host cores) since its previous sample, and its resident memory.</summary>
internal sealed record ProcessSample(double CpuLoad, long RssBytes);

/// <summary>
/// Samples processes from /proc/&lt;pid&gt;/stat (utime + stime in clock ticks) and /proc/&lt;pid&gt;/statm
/// (resident pages). Remembers the previous CPU time per process to turn it into a load.
/// </summary>
internal sealed class ProcessCpuSampler
{
    /// <summary>USER_HZ: 100 on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    private readonly Dictionary<int, (ulong Ticks, long At)> _previous = [];

    /// <summary>The process's figures, or null when it has exited (or /proc cannot be read).</summary>
    public ProcessSample? Sample(int pid)
    {
        if (ReadCpuTicks(pid) is not { } ticks || ReadRssBytes(pid) is not { } rss)
        {
            _previous.Remove(pid);
            return null;
        }

        var now = Stopwatch.GetTimestamp();
        double load = 0;
        if (_previous.TryGetValue(pid, out var before) && ticks >= before.Ticks)
        {
            var seconds = Stopwatch.GetElapsedTime(before.At, now).TotalSeconds;
            load = seconds > 0 ? (ticks - before.Ticks) / TicksPerSecond / seconds / Environment.ProcessorCount : 0;
        }

        _previous[pid] = (ticks, now);
        return new ProcessSample(Math.Clamp(load, 0, 1), rss);
    }

    /// <summary>Drops the memory of processes no longer sampled.</summary>
    public void Retain(IReadOnlySet<int> pids)
    {
        foreach (var pid in _previous.Keys.Where(p => !pids.Contains(p)).ToList())
        {
            _previous.Remove(pid);
        }
    }

    private static ulong? ReadCpuTicks(int pid)
    {
        try
        {
            // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the name: state(3) ppid(4) … utime(14) stime(15) → indexes 11 and 12 here.
            return ulong.Parse(fields[11], CultureInfo.InvariantCulture) + ulong.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static long? ReadRssBytes(int pid)
    {
        try
        {
            var statm = File.ReadAllText($"/proc/{pid}/statm").Split(' ');
            return long.Parse(statm[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
