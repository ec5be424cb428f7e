using Microsoft.AspNetCore.WebUtilities;

namespace OrleansCms.Api;

/// <summary>
/// Gives every problem answer a title and a detail that says what was wrong and what to do, including those the
/// framework writes itself: no endpoint (404), a method the path does not take (405), a bare status code.
/// </summary>
internal static class ProblemDescriptions
{
    private const int MaxEchoedPath = 200;

    /// <summary>The <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/> hook: fills in what the writer left empty.</summary>
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        if (string.IsNullOrWhiteSpace(problem.Title))
        {
            problem.Title = ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
        }

        if (string.IsNullOrWhiteSpace(problem.Detail))
        {
            problem.Detail = Describe(http, status);
        }
    }

    /// <summary>The detail of a request body in a media type the endpoint does not read.</summary>
    public static string UnsupportedMediaType(HttpContext http) =>
        $"{Request(http)} takes application/json, not {(http.Request.ContentType is { Length: > 0 } type ? $"'{type}'" : "a body without a Content-Type")}; "
        + $"send Content-Type: application/json{Example(http, " with a body such as ")}.";

    /// <summary>The detail of a body that is not the JSON the endpoint reads: where it broke and what it should look like.</summary>
    public static string MalformedJson(HttpContext http, System.Text.Json.JsonException json)
    {
        // The reader's own words say what broke (up to its " Path: …" suffix); a converter's name a .NET type instead.
        var words = json.Message.Split(" Path: ", 2)[0];
        var what = words.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) ? "a value of the wrong type" : words.TrimEnd('.');
        var where = json.Path is { Length: > 1 } path ? $" at {path}" : "";
        return $"The body of {Request(http)} is not the JSON it takes: {what}{where}{(json.BytePositionInLine is { } b ? $" (byte {b + 1})" : "")}; "
            + $"send {Example(http, "a body such as ") ?? "valid JSON"}.";
    }

    private static string Describe(HttpContext http, int status) => status switch
    {
        StatusCodes.Status404NotFound when http.GetEndpoint() is null =>
            $"No endpoint answers {Request(http)}. The API's resources are {string.Join(", ", ApiResources(http))}; the dashboard is at /.",
        StatusCodes.Status404NotFound => $"{Request(http)} names nothing that exists.",
        StatusCodes.Status405MethodNotAllowed => http.Response.Headers.Allow.ToString() is { Length: > 0 } allow
            ? $"{Request(http)} is not allowed: {Path(http)} takes {allow}."
            : $"{Request(http)} is not allowed; use another method.",
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType(http),
        StatusCodes.Status413PayloadTooLarge => $"The body of {Request(http)} is larger than the CMS accepts; send a smaller one.",
        StatusCodes.Status400BadRequest => $"{Request(http)} is malformed; check its path, query and body.",
        _ => $"{Request(http)} answered {status} {ReasonPhrases.GetReasonPhrase(status)}.",
    };

    /// <summary>The first segment under /api of every mapped route, e.g. /api/ecus: true whatever is mapped.</summary>
    private static IEnumerable<string> ApiResources(HttpContext http) =>
        http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText?.TrimStart('/').Split('/') ?? [])
            .Where(segments => segments is ["api", _, ..] && !segments[1].StartsWith('{'))
            .Select(segments => $"/api/{segments[1]}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static string? Example(HttpContext http, string lead) =>
        http.GetEndpoint()?.Metadata.GetMetadata<BodyExample>() is { } example ? $"{lead}{example.Json}" : null;

    private static string Request(HttpContext http) => $"{http.Request.Method} {Path(http)}";

    private static string Path(HttpContext http)
    {
        var path = http.Request.PathBase.Add(http.Request.Path).ToString();
        return path.Length <= MaxEchoedPath ? path : $"{path[..MaxEchoedPath]}…";
    }
}
