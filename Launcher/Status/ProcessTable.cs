using System.Globalization;
using System.Text;
using OrleansCms.Fleet;

namespace OrleansCms.Launcher.Status;

/// <summary>The table <c>./cms ps</c> prints, also kept as <c>run/processes.txt</c> for a look without the launcher.</summary>
public static class ProcessTable
{
    /// <summary>
    /// One row per process; <paramref name="programsByMac"/> (from the CMS, when a silo answers) adds what each ECU
    /// runs, since restorations and migrations move programs between ECUs.
    /// </summary>
    public static string Format(IEnumerable<MemberView> members, IReadOnlyDictionary<string, string>? programsByMac = null)
    {
        var rows = members.Select(m => new[]
        {
            m.Name,
            m.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-",
            m.State switch
            {
                MemberState.Exited => m.ExitReason ?? "exited",
                MemberState.Stopped => "stopped",
                _ => m.State.ToString().ToLowerInvariant(),
            },
            m.Since.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            m.Endpoints,
            m.Mac is { } mac && programsByMac?.GetValueOrDefault(mac) is { Length: > 0 } programs ? programs : "-",
            m.LogFile,
        }).Prepend(["NAME", "PID", "STATE", "SINCE", "ENDPOINTS", "PROGRAMS", "LOG"]).ToList();
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }
}
