using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>
/// One reading of <c>/proc</c>: each process's parent and state letter ('T' = stopped, 'Z' = zombie, 'X' = dead,
/// which this reading also says of a process that was SIGKILLed or whose exit has begun).
/// </summary>
internal sealed class ProcTable
{
    private readonly Dictionary<int, (int Parent, char State)> _processes;
    private readonly ILookup<int, int> _children;

    private ProcTable(Dictionary<int, (int Parent, char State)> processes)
    {
        _processes = processes;
        _children = processes.ToLookup(p => p.Value.Parent, p => p.Key);
    }

    public static ProcTable Read()
    {
        var processes = new Dictionary<int, (int, char)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ParseStat(pid) is { } entry)
            {
                processes[pid] = entry;
            }
        }

        return new ProcTable(processes);
    }

    public char? State(int pid) => _processes.TryGetValue(pid, out var entry) ? entry.State : null;

    public int? Parent(int pid) => _processes.TryGetValue(pid, out var entry) ? entry.Parent : null;

    /// <summary>Every process below <paramref name="root"/>, parents before their children.</summary>
    public IEnumerable<int> Descendants(int root)
    {
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in _children[parent])
            {
                yield return child;
                pending.Enqueue(child);
            }
        }
    }

    private const uint ExitingFlag = 0x4; // PF_EXITING, include/linux/sched.h
    private const ulong KillPending = 1UL << (9 - 1); // SIGKILL in the thread's pending set, which a fatal signal fills

    private static (int Parent, char State)? ParseStat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) S ppid pgrp session tty tpgid flags ... (31) signal ...": the command name may hold spaces and
        // parentheses, so parse after the last ')'; then field n is at n - 3.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 30);
        if (fields.Length < 29 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !uint.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var flags)
            || !ulong.TryParse(fields[28], NumberStyles.None, CultureInfo.InvariantCulture, out var pending))
        {
            return null;
        }

        // A SIGKILLed process never runs its own code again, but it is not gone at once: the kill makes it runnable
        // ('R', SIGKILL pending) until a core is free to run it, which on a busy machine takes milliseconds, and from the
        // start of its exit (PF_EXITING) it tears itself down, for milliseconds more when it has much memory to release.
        var killed = (flags & ExitingFlag) != 0 || (pending & KillPending) != 0;
        return (parent, killed ? 'X' : fields[0][0]);
    }
}
