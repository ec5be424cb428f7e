using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>One reading of <c>/proc</c>: each process's parent and state letter ('T' = stopped, 'Z' = zombie).</summary>
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

        // "pid (comm) S ppid ...": the command name may hold spaces and parentheses, so parse after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
        return fields.Length >= 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            ? (parent, fields[0][0])
            : null;
    }
}
