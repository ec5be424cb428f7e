using System.Reflection;
using Microsoft.Net.Http.Headers;

namespace OrleansCms.Dashboard;

/// <summary>
/// Serves the dashboard (index.html, dashboard.js, dashboard.css) from resources embedded in the silo, so
/// every silo serves it from its own binary with no build step and nothing fetched from elsewhere.
/// </summary>
public static class DashboardEndpoints
{
    private const string ResourcePrefix = "Dashboard.";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = Load();
        app.MapGet("/", () => Serve(files, "index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file}", (string file) => Serve(files, file)).ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(Dictionary<string, DashboardFile> files, string name) =>
        files.TryGetValue(name, out var file)
            ? Results.Bytes(file.Content, file.ContentType, entityTag: file.ETag)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown dashboard file",
                detail: $"The dashboard has no file '{name}'; open it at / (its files are {string.Join(", ", files.Keys.Order(StringComparer.Ordinal))}).");

    private static Dictionary<string, DashboardFile> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[ResourcePrefix.Length..];
            var content = copy.ToArray();
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16]}\"");
            files[name] = new DashboardFile(content, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"), etag);
        }

        return files;
    }

    private sealed record DashboardFile(byte[] Content, string ContentType, EntityTagHeaderValue ETag);
}
