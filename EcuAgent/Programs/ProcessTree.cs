using System.Globalization;
using System.Runtime.InteropServices;

namespace OrleansCms.Programs;

/// <summary>
/// Freezes and thaws a program's whole process tree with SIGSTOP and SIGCONT. A stopped process keeps its memory
/// and can do nothing, so a frozen copy of a program has no effect on the world until it is thawed or killed.
/// </summary>
public static partial class ProcessTree
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>
    /// Stops <paramref name="root"/> first (so it forks nothing more), then every descendant, looking again until
    /// no running descendant is left. Returns how many processes were stopped.
    /// </summary>
    public static int Freeze(int root)
    {
        if (!Signal(root, SigStop))
        {
            return 0;
        }

        var stopped = new HashSet<int> { root };
        for (var round = 0; round < 16; round++)
        {
            var found = Descendants(root).Where(stopped.Add).ToList();
            if (found.Count == 0)
            {
                break;
            }

            found.ForEach(pid => Signal(pid, SigStop));
        }

        return stopped.Count;
    }

    /// <summary>Continues every process of the tree, descendants first, so the root resumes into a running tree.</summary>
    public static void Thaw(int root)
    {
        foreach (var pid in Descendants(root).Reverse())
        {
            Signal(pid, SigCont);
        }

        Signal(root, SigCont);
    }

    /// <summary>The state letter of <c>/proc/&lt;pid&gt;/stat</c> ('T' = stopped), or null when the process is gone.</summary>
    public static char? State(int pid) => ReadStat(pid) is { } stat ? stat.State : null;

    /// <summary>Every process below <paramref name="root"/>, parents before their children.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat)
            {
                (children.TryGetValue(stat.Parent, out var list) ? list : children[stat.Parent] = []).Add(pid);
            }
        }

        var result = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                result.Add(child);
                pending.Enqueue(child);
            }
        }

        return result;
    }

    private static (char State, int Parent)? ReadStat(int pid)
    {
        try
        {
            // pid (comm) state ppid …: comm may hold spaces and parentheses, so parse after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null; // gone meanwhile
        }
    }

    private static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
