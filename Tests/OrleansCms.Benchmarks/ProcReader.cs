using System.Globalization;
using OrleansCms.Programs;

namespace OrleansCms.Benchmarks;

/// <summary>What the benchmarks read from Linux's /proc: start times, sample programs, resident memory.</summary>
public static class ProcReader
{
    /// <summary>Whether the process runs the bundled sample program.</summary>
    public static bool IsSampleProgram(int pid) =>
        Read($"/proc/{pid}/cmdline")?.Contains(ProgramLaunch.SampleAssembly, StringComparison.Ordinal) == true;

    /// <summary>Resident memory (VmRSS) in bytes; null when the process is gone.</summary>
    public static long? RssBytes(int pid)
    {
        var line = Read($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Parent, state letter and start time (clock ticks after boot: with the pid, a process's identity).</summary>
    public static (int Parent, char State, ulong StartTicks)? Stat(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name in parentheses may contain spaces; the fields after it do not.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0], ulong.Parse(fields[19], CultureInfo.InvariantCulture));
    }

    /// <summary>The name (<c>comm</c>) of the process or thread at <paramref name="procPath"/> (<c>/proc/PID</c> or a task of it); "" when it is gone.</summary>
    public static string Name(string procPath) => Read(Path.Combine(procPath, "comm"))?.TrimEnd('\n') ?? "";

    /// <summary>User and system CPU seconds in a /proc <c>stat</c> file of a process or thread (0 when it is gone).</summary>
    public static double CpuSeconds(string statPath)
    {
        var stat = Read(statPath);
        if (stat is null)
        {
            return 0;
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }

    // USER_HZ: 100 on every Linux this runs on (the kernel's ABI fixes it for /proc).
    private const double ClockTicksPerSecond = 100;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process has gone
        }
    }
}

/// <summary>One process identified beyond its pid (pids are reused): whether it still runs.</summary>
public sealed record ProcessMark(int Pid, ulong StartTicks)
{
    public static ProcessMark? Of(int pid) => ProcReader.Stat(pid) is { } stat ? new ProcessMark(pid, stat.StartTicks) : null;

    /// <summary>True while the same process exists and is not a zombie.</summary>
    public bool IsRunning => ProcReader.Stat(Pid) is { } stat && stat.StartTicks == StartTicks && stat.State != 'Z';
}
