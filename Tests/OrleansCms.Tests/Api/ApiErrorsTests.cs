using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Api;

/// <summary>
/// The HTTP API of a real silo process answers bad input with RFC 7807 problem details and the right status
/// (400 malformed, 404 unknown, 409 conflicting), never 500; and its read endpoints show what the grains hold.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed class ApiErrorsTests(SiloProcessFixture fixture)
{
    private SiloProcessCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("/api/ecus/not-a-mac", "not-a-mac")]
    [InlineData("/api/ecus/02:00:00:00:00/checkpoints", "02:00:00:00:00")]
    [InlineData("/api/ecus?all=maybe", "maybe")]
    public async Task Get_MalformedInput_400ProblemSayingWhat(string path, string named)
    {
        var problem = await ProblemAsync(await Cluster.Http.GetAsync(path), HttpStatusCode.BadRequest);

        Assert.Contains(named, problem.Detail);
    }

    [Theory]
    [InlineData("/api/ecus/02:00:00:00:aa:99")]
    [InlineData("/api/ecus/02:00:00:00:aa:99/checkpoints")]
    [InlineData("/api/restorations/failure:02:00:00:00:aa:99:1")]
    [InlineData("/api/no-such-endpoint")]
    public async Task Get_UnknownId_404Problem(string path) =>
        await ProblemAsync(await Cluster.Http.GetAsync(path), HttpStatusCode.NotFound);

    [Fact]
    public async Task PostMigration_MalformedJson_400ProblemNamingTheFault()
    {
        var problem = await ProblemAsync(await PostJsonAsync("/api/migrations", "{\"mac\": \"02:00:00:00:00:01\", programId: 1"), HttpStatusCode.BadRequest);

        Assert.Contains("JSON", problem.Detail);
    }

    [Fact]
    public async Task PostFailure_MalformedJson_400Problem() =>
        await ProblemAsync(await PostJsonAsync($"/api/ecus/{ClusterFixture.NewMac()}/failure", "{reason"), HttpStatusCode.BadRequest);

    [Fact]
    public async Task PostMigration_NoBody_400ProblemShowingTheBody()
    {
        var problem = await ProblemAsync(await Cluster.Http.PostAsync("/api/migrations", null), HttpStatusCode.BadRequest);

        Assert.Contains("programId", problem.Detail);
    }

    [Theory]
    [InlineData("{\"mac\": \"zz:00:00:00:00:01\", \"programId\": 0}", "zz:00:00:00:00:01")]
    [InlineData("{\"mac\": \"02:00:00:00:00:01\", \"programId\": 0, \"targetMac\": \"nowhere\"}", "nowhere")]
    public async Task PostMigration_MalformedMac_400(string body, string named)
    {
        var problem = await ProblemAsync(await PostJsonAsync("/api/migrations", body), HttpStatusCode.BadRequest);

        Assert.Contains(named, problem.Detail);
    }

    [Fact]
    public async Task PostMigration_UnknownEcu_404() =>
        await ProblemAsync(await Cluster.Http.PostAsJsonAsync("/api/migrations", new { mac = ClusterFixture.NewMac(), programId = 0 }), HttpStatusCode.NotFound);

    [Fact]
    public async Task PostMigration_UnknownProgramOrTarget_404()
    {
        await using var source = await FakeEcu.StartAsync(Cluster.Client);
        var program = await source.AddProgramAsync("p");

        var unknownProgram = await ProblemAsync(
            await Cluster.Http.PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = program + 7 }), HttpStatusCode.NotFound);
        var unknownTarget = await ProblemAsync(
            await Cluster.Http.PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = program, targetMac = "02:00:00:00:aa:98" }), HttpStatusCode.NotFound);

        Assert.Equal("Unknown program", unknownProgram.Title);
        Assert.Equal("Unknown target ECU", unknownTarget.Title);
    }

    [Fact]
    public async Task PostMigration_TargetIsSourceOrNotAlive_409AndNothingStarted()
    {
        await using var source = await FakeEcu.StartAsync(Cluster.Client);
        await using var failed = await FakeEcu.StartAsync(Cluster.Client);
        var program = await source.AddProgramAsync("p");
        await failed.Grain.DeclareFailedAsync("test");

        var toItself = await ProblemAsync(
            await Cluster.Http.PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = program, targetMac = source.Mac.ToUpperInvariant() }), HttpStatusCode.Conflict);
        var toFailed = await ProblemAsync(
            await Cluster.Http.PostAsJsonAsync("/api/migrations", new { mac = source.Mac, programId = program, targetMac = failed.Mac }), HttpStatusCode.Conflict);

        Assert.Contains("is the source", toItself.Detail);
        // Its fake ECU heartbeats on, so the CMS may have fenced it already.
        Assert.Matches("is (Failed|Fenced);", toFailed.Detail);
        Assert.DoesNotContain(await Cluster.Http.GetFromJsonAsync<JsonElement[]>("/api/restorations") ?? [],
            r => r.GetProperty("sourceMac").GetString() == source.Mac);
    }

    [Fact]
    public async Task PostFailure_RetiredEcu_409NotServerError()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);
        await ecu.Grain.RetireAsync("decommissioned");

        var problem = await ProblemAsync(await Cluster.Http.PostAsJsonAsync($"/api/ecus/{ecu.Mac}/failure", new { reason = "x" }), HttpStatusCode.Conflict);

        Assert.Contains("retired", problem.Detail);
    }

    [Fact]
    public async Task GetEcus_AllFlag_AddsFailedAndRetiredEcus()
    {
        await using var alive = await FakeEcu.StartAsync(Cluster.Client);
        await using var failed = await FakeEcu.StartAsync(Cluster.Client);
        await using var retired = await FakeEcu.StartAsync(Cluster.Client);
        await failed.Grain.DeclareFailedAsync("test");
        await retired.Grain.RetireAsync("test");

        var byDefault = await MacsAsync("/api/ecus");
        var all = await MacsAsync("/api/ecus?all=true");

        Assert.Contains(alive.Mac, byDefault);
        Assert.DoesNotContain(failed.Mac, byDefault);
        Assert.DoesNotContain(retired.Mac, byDefault);
        Assert.Contains(alive.Mac, all);
        Assert.Contains(failed.Mac, all);
        Assert.Contains(retired.Mac, all);
    }

    [Fact]
    public async Task GetCluster_ListsThisSiloActiveWithItsHttpAddress()
    {
        var cluster = await Cluster.Http.GetFromJsonAsync<JsonElement>("/api/cluster");

        var self = Assert.Single(cluster.GetProperty("silos").EnumerateArray(), s => s.GetProperty("isSelf").GetBoolean());
        Assert.Equal("Active", self.GetProperty("status").GetString());
        Assert.Equal(Cluster.Http.BaseAddress!.ToString(), self.GetProperty("http").GetString());
    }

    [Fact]
    public async Task GetSummary_CountsTheFleet()
    {
        await using var alive = await FakeEcu.StartAsync(Cluster.Client);
        alive.Reported = [new RunningProgram(0, "p", Running: true, LastAcknowledgedVersion: 5)];

        // The census is the fleet grain's: alive counts it at once; the reported program with the next heartbeat.
        var summary = await Eventually.ReturnsAsync(() => Cluster.Http.GetFromJsonAsync<JsonElement>("/api/summary"),
            s => s.GetProperty("ecusAlive").GetInt32() >= 1 && s.GetProperty("programsRunning").GetInt32() >= 1,
            TimeSpan.FromSeconds(10), "the summary counts the new ECU and its program");

        Assert.Equal(1, summary.GetProperty("silosActive").GetInt32());
        Assert.False(summary.TryGetProperty("checkpoints", out _), "the summary still has the old sum of version numbers");
    }

    [Fact]
    public async Task GetSummary_CheckpointsStored_CountsStoredVersionsNotVersionNumbers()
    {
        await using var ecu = await FakeEcu.StartAsync(Cluster.Client);
        var program = await ecu.AddProgramAsync("counted");
        var key = new CheckpointKey(ecu.Mac, program);
        var before = await StoredVersionsAsync();

        // Versions 7 and 9 of one program: two stored versions (a sum of version numbers would add 16).
        foreach (var version in new long[] { 7, 9 })
        {
            await Cluster.StoreCheckpointAsync(key, TestCheckpoint.Create(TestCheckpoint.RandomPayload(50_000, seed: (int)version), version, name: "counted"));
        }

        var summary = await Cluster.Http.GetFromJsonAsync<JsonElement>("/api/summary");

        // The tests of this collection run one at a time and nothing else writes checkpoints to its database.
        Assert.Equal(before + 2, await StoredVersionsAsync());
        Assert.Equal(before + 2, summary.GetProperty("checkpointsStored").GetInt64());
    }

    private async Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        await Cluster.Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<long> StoredVersionsAsync() =>
        await Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM (SELECT DISTINCT checkpoint, version FROM cms_chunk_refs) AS versions");

    private async Task<string[]> MacsAsync(string path) =>
        [.. (await Cluster.Http.GetFromJsonAsync<JsonElement[]>(path) ?? []).Select(e => e.GetProperty("mac").GetString()!)];

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)expected, json.GetProperty("status").GetInt32());
        var problem = new Problem(json.GetProperty("title").GetString() ?? "", json.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "");
        Assert.False(string.IsNullOrWhiteSpace(problem.Title), $"no title: {body}");
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), $"no detail: {body}");
        return problem;
    }

    private sealed record Problem(string Title, string Detail);
}
