using System.Globalization;

namespace OrleansCms.Machine;

/// <summary>The host's RAM from /proc/meminfo: used is MemTotal − MemAvailable, as `free` reports it.</summary>
internal static class HostMemory
{
    public static (long TotalBytes, long UsedBytes) Read()
    {
        try
        {
            long total = 0, available = 0;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    total = Kibibytes(line);
                }
                else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    available = Kibibytes(line);
                }
            }

            if (total > 0)
            {
                return (total, Math.Max(0, total - available));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Not Linux, or /proc is not mounted: fall back to what the runtime knows.
        }

        var info = GC.GetGCMemoryInfo();
        return (info.TotalAvailableMemoryBytes, Environment.WorkingSet);
    }

    /// <summary>"MemTotal:       24573568 kB" → bytes.</summary>
    private static long Kibibytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
