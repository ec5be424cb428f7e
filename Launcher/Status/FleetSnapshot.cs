using System.Text.Json;

namespace OrleansCms.Launcher.Status;

/// <summary>
/// What one silo's HTTP API said about the fleet at one moment: <c>/api/summary</c>, <c>/api/ecus?all=true</c> and
/// <c>/api/restorations</c>, as JSON (the launcher reads the API like any other client, not the grains).
/// </summary>
public sealed record FleetSnapshot(JsonElement Summary, JsonElement Ecus, JsonElement Restorations)
{
    /// <summary>The snapshot from the first of <paramref name="httpPorts"/> whose silo answers, or null.</summary>
    public static async Task<FleetSnapshot?> ReadAsync(HttpClient http, IEnumerable<int> httpPorts, CancellationToken cancellationToken)
    {
        foreach (var port in httpPorts)
        {
            try
            {
                var root = $"http://127.0.0.1:{port}/api";
                var summary = http.GetStringAsync($"{root}/summary", cancellationToken);
                var ecus = http.GetStringAsync($"{root}/ecus?all=true", cancellationToken);
                var restorations = http.GetStringAsync($"{root}/restorations", cancellationToken);
                return new FleetSnapshot(Parse(await summary), Parse(await ecus), Parse(await restorations));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                // This silo is down, starting or overloaded: ask the next one.
            }
        }

        return null;
    }

    /// <summary>What each ECU runs as the CMS sees it: the names of its running programs, or its status when it is not alive.</summary>
    public IReadOnlyDictionary<string, string> ProgramsByMac() =>
        Ecus.EnumerateArray().Where(e => e.TryGetProperty("mac", out _)).ToDictionary(
            e => e.GetProperty("mac").GetString()!,
            e => e.GetProperty("status").GetString() is "Alive"
                ? string.Join(",", e.GetProperty("programs").EnumerateArray().Where(p => p.GetProperty("running").GetBoolean()).Select(p => p.GetProperty("name").GetString()))
                : $"({e.GetProperty("status").GetString()?.ToLowerInvariant()})");

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
