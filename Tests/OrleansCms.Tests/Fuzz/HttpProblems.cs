using System.Text.Json;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// What every fuzzed HTTP answer must be: never a server error, and every client error an RFC 7807 problem with a
/// title and a detail. The one exception is a request target whose path decodes to a NUL character: Kestrel refuses
/// it with a bare 400 before any application code runs, so no endpoint or middleware of the CMS can answer it.
/// </summary>
public static class HttpProblems
{
    /// <summary>Asserts a 4xx problem details answer with one of <paramref name="allowed"/> (any 4xx when none are given).</summary>
    public static async Task AssertClientProblemAsync(string request, HttpResponseMessage response, params int[] allowed)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status is >= 400 and < 500 && (allowed.Length == 0 || allowed.Contains(status)),
            $"{request}: answered {status}, expected {(allowed.Length == 0 ? "4xx" : string.Join(" or ", allowed))}: {FuzzValues.Short(body)}");
        if (!RefusedByKestrel(response, status, body))
        {
            AssertProblem(request, response, status, body);
        }
    }

    /// <summary>Asserts anything but a server error, and a problem details body for every error.</summary>
    public static async Task AssertNoServerErrorAsync(string request, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{request}: answered {status}: {FuzzValues.Short(body)}");
        if (status >= 400 && !RefusedByKestrel(response, status, body))
        {
            AssertProblem(request, response, status, body);
        }
    }

    private static bool RefusedByKestrel(HttpResponseMessage response, int status, string body) =>
        status == 400 && body.Length == 0
        && response.RequestMessage?.RequestUri?.AbsolutePath.Contains("%00", StringComparison.Ordinal) == true;

    private static void AssertProblem(string request, HttpResponseMessage response, int status, string body)
    {
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{request}: {status} came as '{response.Content.Headers.ContentType}', not problem details: {FuzzValues.Short(body)}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"{request}: the problem has no title: {body}");
        Assert.False(string.IsNullOrWhiteSpace(problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null), $"{request}: the problem has no detail: {body}");
    }
}
