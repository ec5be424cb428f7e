using System.Globalization;

namespace OrleansCms.Machine;

/// <summary>
/// The host's CPU load between two samples, from the first line of /proc/stat
/// (user nice system idle iowait irq softirq steal …, in clock ticks). 0 where /proc is missing.
/// </summary>
internal sealed class HostCpuSampler
{
    private (ulong Busy, ulong Total)? _previous;

    /// <summary>Share of all cores busy since the previous call, 0..1 (0 on the first call).</summary>
    public double Sample()
    {
        if (Read() is not { } now)
        {
            return 0;
        }

        var previous = _previous;
        _previous = now;
        if (previous is not { } before || now.Total <= before.Total)
        {
            return 0;
        }

        return (double)(now.Busy - before.Busy) / (now.Total - before.Total);
    }

    private static (ulong Busy, ulong Total)? Read()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is null || fields.Length < 5 || fields[0] != "cpu")
            {
                return null;
            }

            var ticks = fields.Skip(1).Take(8).Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = ticks[3] + (ticks.Length > 4 ? ticks[4] : 0); // idle + iowait
            var total = ticks.Aggregate(0UL, (sum, t) => sum + t);
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
