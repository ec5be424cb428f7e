using System.Net.Http.Json;
using System.Text.Json;
using FsCheck.Fluent;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Mutated and random bodies for the two POST endpoints that take JSON. Every answer is a 4xx problem saying what
/// was wrong (the ECUs addressed run no program that could migrate and cannot be failed), and nothing changes:
/// no migration starts, no ECU changes status.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class HttpBodyFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task PostMigration_MutatedBody_ClientProblemAndNothingStarted()
    {
        await using var source = await FakeEcu.StartAsync(fixture.Silo.Client);
        await using var target = await FakeEcu.StartAsync(fixture.Silo.Client);
        var stopped = await source.AddProgramAsync("stopped");
        await source.Grain.EndProgramAsync(stopped, ProgramEntryStatus.Stopped, "stopped before the fuzzing");
        var template = new Dictionary<string, string>
        {
            ["mac"] = JsonSerializer.Serialize(source.Mac),
            ["programId"] = stopped.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["targetMac"] = JsonSerializer.Serialize(target.Mac),
        };

        var statuses = new Tally();

        await FuzzCheck.RunAsync(output, nameof(PostMigration_MutatedBody_ClientProblemAndNothingStarted), HttpCases.Bodies(template), async body =>
        {
            using var response = await fixture.Http.PostAsync("/api/migrations", body.Value.ToContent());

            await HttpProblems.AssertClientProblemAsync($"POST /api/migrations, {body}", response, 400, 404, 409, 415);
            statuses.Add((int)response.StatusCode);
        }, count: 200);

        output.WriteLine($"statuses: {statuses}");
        Assert.True(FuzzCheck.ReplaysOneCase || statuses.Distinct >= 3, $"the bodies reached too few answers: {statuses}");

        var restorations = await fixture.Http.GetFromJsonAsync<JsonElement[]>("/api/restorations") ?? [];
        Assert.DoesNotContain(restorations, r => r.GetProperty("sourceMac").GetString() == source.Mac);
        var after = await source.Grain.GetAsync();
        Assert.Equal(EcuStatus.Alive, after.Status);
        Assert.Equal(ProgramEntryStatus.Stopped, Assert.Single(after.Catalogue).Status);
        await fixture.AssertSiloServesAsync();
    }

    [Fact]
    public async Task PostFailure_MutatedMacOrBody_ClientProblemAndNoEcuChanged()
    {
        await using var retired = await FakeEcu.StartAsync(fixture.Silo.Client);
        await retired.Grain.RetireAsync("retired before the fuzzing");
        var template = new Dictionary<string, string> { ["reason"] = "\"fuzz\"" };
        var cases =
            from mac in Gen.OneOf(
                FuzzValues.MalformedMac.Select(HttpCases.Encode),
                FuzzValues.CanonicalMac,
                Gen.Elements(retired.Mac, retired.Mac.ToUpperInvariant(), retired.Mac.Replace(':', '-'), retired.Mac.Replace(":", "", StringComparison.Ordinal)))
            from body in HttpCases.Bodies(template)
            select new FuzzCase<(string Path, HttpBody Body)>($"POST /api/ecus/{FuzzValues.Short(mac)}/failure, {body}", ($"/api/ecus/{mac}/failure", body.Value));

        var statuses = new Tally();

        await FuzzCheck.RunAsync(output, nameof(PostFailure_MutatedMacOrBody_ClientProblemAndNoEcuChanged), cases, async post =>
        {
            using var response = await fixture.Http.PostAsync(post.Value.Path, post.Value.Body.ToContent());

            await HttpProblems.AssertClientProblemAsync(post.Description, response, 400, 404, 409, 415);
            statuses.Add((int)response.StatusCode);
        }, count: 200);

        output.WriteLine($"statuses: {statuses}");
        Assert.True(FuzzCheck.ReplaysOneCase || statuses.Distinct >= 3, $"the requests reached too few answers: {statuses}");

        Assert.Equal(EcuStatus.Retired, (await retired.Grain.GetAsync()).Status);
        await fixture.AssertSiloServesAsync();
    }
}
