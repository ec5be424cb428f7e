using System.Globalization;

namespace OrleansCms.Api;

/// <summary>
/// A CMS silo's name carries its HTTP port (<c>silo-11111-http-8080</c>), so every silo can show its peers'
/// dashboards from Orleans membership alone.
/// </summary>
public static class SiloNames
{
    private const string HttpMarker = "-http-";

    public static string Format(int siloPort, int httpPort) =>
        string.Create(CultureInfo.InvariantCulture, $"silo-{siloPort}{HttpMarker}{httpPort}");

    /// <summary>The HTTP port in a silo's name, or null for a silo named otherwise (e.g. a test cluster's).</summary>
    public static int? HttpPort(string? name) =>
        name?.LastIndexOf(HttpMarker, StringComparison.Ordinal) is int at and >= 0
            && int.TryParse(name.AsSpan(at + HttpMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : null;
}
