using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Api;

/// <summary>
/// Walks every endpoint of a real silo process with bad input (unknown path, wrong method, wrong content type,
/// malformed JSON and MACs, unknown ECUs, programs and targets, requests that conflict) and requires each answer
/// to be problem details with the expected status, a title, and a detail that names what was wrong.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed class ApiProblemWalkTests(SiloProcessFixture fixture)
{
    private const string Json = "application/json";

    private SiloProcessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task EveryEndpoint_BadInput_ProblemWithTitleAndDetail()
    {
        await using var source = await FakeEcu.StartAsync(Cluster.Client);
        await using var failed = await FakeEcu.StartAsync(Cluster.Client);
        await using var retired = await FakeEcu.StartAsync(Cluster.Client);
        var program = await source.AddProgramAsync("walked");
        var stopped = await source.AddProgramAsync("stopped");
        await source.Grain.EndProgramAsync(stopped, ProgramEntryStatus.Stopped, "test");
        await failed.AddProgramAsync("lost");
        await failed.Grain.DeclareFailedAsync("test");
        await retired.Grain.RetireAsync("test");
        var unknown = ClusterFixture.NewMac();
        string Migration(string? mac, int programId, string? target = null) =>
            JsonSerializer.Serialize(new { mac, programId, targetMac = target });

        BadRequest[] walk =
        [
            // Paths and methods the API does not have.
            new("GET", "/api/foo", null, null, 404, "/api/ecus"),
            new("GET", "/nowhere/at/all", null, null, 404, "GET /nowhere/at/all"),
            new("POST", "/api/ecus/x/y/z", Json, "{}", 404, "/api/migrations"),
            new("GET", "/dashboard/missing.js", null, null, 404, "missing.js"),
            new("DELETE", "/api/ecus", null, null, 405, "GET"),
            new("GET", "/api/migrations", null, null, 405, "POST"),
            new("PUT", $"/api/ecus/{source.Mac}/failure", Json, "{}", 405, "POST"),
            new("POST", "/api/summary", Json, "{}", 405, "GET"),
            new("DELETE", "/api/restorations/x", null, null, 405, "GET"),

            // GET endpoints with a malformed or unknown key.
            new("GET", "/api/ecus?all=maybe", null, null, 400, "maybe"),
            new("GET", "/api/ecus/not-a-mac", null, null, 400, "not-a-mac"),
            new("GET", $"/api/ecus/{unknown}", null, null, 404, unknown),
            new("GET", "/api/ecus/02:00:00:00:00/checkpoints", null, null, 400, "02:00:00:00:00"),
            new("GET", $"/api/ecus/{unknown}/checkpoints", null, null, 404, unknown),
            new("GET", "/api/restorations/failure:nothing:1", null, null, 404, "failure:nothing:1"),

            // POST /api/ecus/{mac}/failure and /retire.
            new("POST", $"/api/ecus/{source.Mac}/failure", "text/plain", "monitor", 415, "application/json"),
            new("POST", $"/api/ecus/{source.Mac}/failure", Json, "{reason", 400, "JSON"),
            new("POST", $"/api/ecus/{source.Mac}/failure", Json, "{\"reason\": 5}", 400, "JSON"),
            new("POST", "/api/ecus/nope/failure", Json, "{}", 400, "nope"),
            new("POST", $"/api/ecus/{unknown}/failure", Json, "{}", 404, unknown),
            new("POST", $"/api/ecus/{retired.Mac}/failure", Json, "{}", 409, "retired"),
            new("POST", $"/api/ecus/{source.Mac}/retire", "text/plain", "bye", 415, "application/json"),
            new("POST", $"/api/ecus/{source.Mac}/retire", Json, "[", 400, "JSON"),
            new("POST", "/api/ecus/nope/retire", Json, "{}", 400, "nope"),
            new("POST", $"/api/ecus/{unknown}/retire", Json, "{}", 404, unknown),

            // POST /api/migrations.
            new("POST", "/api/migrations", "text/plain", Migration(source.Mac, program), 415, "application/json"),
            new("POST", "/api/migrations", null, null, 400, "programId"),
            new("POST", "/api/migrations", Json, "{\"mac\": \"02:00:00:00:00:01\", programId: 1", 400, "JSON"),
            new("POST", "/api/migrations", Json, "{\"mac\": \"02:00:00:00:00:01\", \"programId\": \"first\"}", 400, "programId"),
            new("POST", "/api/migrations", Json, "[1, 2]", 400, "JSON"),
            new("POST", "/api/migrations", Json, Migration("zz:00:00:00:00:01", 0), 400, "zz:00:00:00:00:01"),
            new("POST", "/api/migrations", Json, Migration(null, 0), 400, "MAC"),
            new("POST", "/api/migrations", Json, Migration(source.Mac, program, "nowhere"), 400, "nowhere"),
            new("POST", "/api/migrations", Json, Migration(unknown, 0), 404, unknown),
            new("POST", "/api/migrations", Json, Migration(source.Mac, program + 7), 404, $"program {program + 7}"),
            new("POST", "/api/migrations", Json, Migration(source.Mac, program, unknown), 404, unknown),
            new("POST", "/api/migrations", Json, Migration(source.Mac, program, source.Mac), 409, "is the source"),
            new("POST", "/api/migrations", Json, Migration(source.Mac, program, retired.Mac), 409, retired.Mac),
            new("POST", "/api/migrations", Json, Migration(source.Mac, stopped), 409, "Stopped"),
            new("POST", "/api/migrations", Json, Migration(failed.Mac, 0), 409, failed.Mac),
        ];

        var faults = new List<string>();
        foreach (var request in walk)
        {
            faults.AddRange(await CheckAsync(request));
        }

        Assert.True(faults.Count == 0, string.Join(Environment.NewLine, faults));
    }

    private async Task<IEnumerable<string>> CheckAsync(BadRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8);
            message.Content.Headers.ContentType = request.ContentType is null ? null : MediaTypeHeaderValue.Parse(request.ContentType);
        }

        using var response = await Cluster.Http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        var faults = new List<string>();
        if ((int)response.StatusCode != request.Status)
        {
            faults.Add($"answered {(int)response.StatusCode}, expected {request.Status}");
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            faults.Add($"came as '{response.Content.Headers.ContentType}', not application/problem+json");
        }
        else
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (string.IsNullOrWhiteSpace(title))
            {
                faults.Add("has no title");
            }

            if (string.IsNullOrWhiteSpace(detail))
            {
                faults.Add("has no detail");
            }
            else if (!detail.Contains(request.Named, StringComparison.Ordinal))
            {
                faults.Add($"has a detail that does not name '{request.Named}'");
            }

            if (detail?.Contains("(Parameter '", StringComparison.Ordinal) == true)
            {
                faults.Add("leaks .NET's (Parameter '…') text");
            }
        }

        return faults.Select(f => $"{request.Method} {request.Path} [{request.ContentType}] {request.Body}: {f}: {body}");
    }

    /// <summary>One bad request, the status it must get and a text its problem's detail must contain.</summary>
    private sealed record BadRequest(string Method, string Path, string? ContentType, string? Body, int Status, string Named);
}
