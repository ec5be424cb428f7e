using System.Globalization;
using System.Text.Json;
using OrleansCms.Fleet;

namespace OrleansCms.Launcher.Status;

/// <summary>
/// The one line <c>./cms up</c> prints every few seconds: the CMS's view (silos, ECUs, programs, checkpoints,
/// restorations) with the launcher's own view of its processes where they differ, e.g.
/// <c>1/2 silos active (silo-1 killed by signal 9) · 2/3 ECUs alive (ecu-2 failed) · … · 1 restoration, 1 program restored</c>.
/// </summary>
public static class StatusLine
{
    public static string Compose(DateTimeOffset at, FleetSnapshot? snapshot, IReadOnlyList<MemberView> members)
    {
        var head = $"cms {at:HH:mm:ss}";
        var downSilos = Down(members, MemberKind.Silo);
        if (snapshot is null)
        {
            return $"{head} · no silo answers its HTTP API{(downSilos.Length > 0 ? $" ({downSilos})" : "")}";
        }

        var summary = snapshot.Summary;
        var silos = $"{Int(summary, "silosActive")}/{Int(summary, "silos")} silos active{(downSilos.Length > 0 ? $" ({downSilos})" : "")}";
        return string.Join(" · ", head, silos, Ecus(snapshot.Ecus), $"{Plural(Int(summary, "programsRunning"), "program")} running",
            Checkpoints(summary), Restorations(snapshot.Restorations));
    }

    private static string Ecus(JsonElement ecus)
    {
        var known = ecus.EnumerateArray().Where(e => Text(e, "status") != "Retired").ToList();
        var alive = known.Count(e => Text(e, "status") == "Alive");
        var troubled = known.Where(e => Text(e, "status") != "Alive")
            .Select(e => $"{Name(e)} {Text(e, "status")?.ToLowerInvariant()}")
            .ToList();
        return $"{alive}/{known.Count} ECUs alive{(troubled.Count > 0 ? $" ({string.Join(", ", troubled)})" : "")}";
    }

    private static string Restorations(JsonElement restorations)
    {
        var all = restorations.EnumerateArray().ToList();
        if (all.Count == 0)
        {
            return "0 restorations";
        }

        var unfinished = all.Count(r => r.TryGetProperty("finishedAt", out var f) && f.ValueKind == JsonValueKind.Null);
        var restored = all.Sum(r => r.GetProperty("programs").EnumerateArray().Count(p => Text(p, "outcome") == "Running"));
        return $"{Plural(all.Count, "restoration")}{(unfinished > 0 ? $" ({unfinished} in progress)" : "")}, {Plural(restored, "program")} restored";
    }

    // Null while PostgreSQL does not answer the count.
    private static string Checkpoints(JsonElement summary) =>
        summary.TryGetProperty("checkpointsStored", out var stored) && stored.ValueKind == JsonValueKind.Number
            ? $"{Plural(stored.GetInt64(), "checkpoint")} stored"
            : "checkpoints stored unknown (PostgreSQL did not answer)";

    private static string Down(IReadOnlyList<MemberView> members, MemberKind kind) =>
        string.Join(", ", members.Where(m => m.Kind == kind && m.State != MemberState.Running)
            .Select(m => $"{m.Name} {m.State switch
            {
                MemberState.Starting => "starting",
                MemberState.Exited when m.ExitReason?.StartsWith("killed", StringComparison.Ordinal) == true => "killed",
                MemberState.Exited => "exited",
                _ => "stopped",
            }}"));

    private static string Name(JsonElement ecu) =>
        ecu.TryGetProperty("registration", out var r) && r.ValueKind == JsonValueKind.Object && Text(r, "name") is { Length: > 0 } name
            ? name
            : Text(ecu, "mac") ?? "?";

    private static long Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Plural(long count, string noun) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";
}
