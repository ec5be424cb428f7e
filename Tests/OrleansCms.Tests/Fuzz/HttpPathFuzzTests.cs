using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// GET requests whose MAC, restoration id or query value is malformed, unknown, huge or full of awkward characters:
/// never a server error, every error an RFC 7807 problem.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class HttpPathFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Get_MalformedOrRandomPath_NoServerErrorAndProblemDetails()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);
        await ecu.AddProgramAsync("fuzzed");

        var statuses = new Tally();

        await FuzzCheck.RunAsync(output, nameof(Get_MalformedOrRandomPath_NoServerErrorAndProblemDetails), HttpCases.Paths([ecu.Mac]), async path =>
        {
            using var response = await fixture.Http.GetAsync(path.Value);

            await HttpProblems.AssertNoServerErrorAsync(path.Description, response);
            statuses.Add((int)response.StatusCode);
        }, count: 200);

        output.WriteLine($"statuses: {statuses}");
        Assert.True(FuzzCheck.ReplaysOneCase || statuses.Distinct >= 3, $"the paths reached too few answers: {statuses}");

        await fixture.AssertSiloServesAsync();
    }
}
