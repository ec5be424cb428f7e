using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>The ECU endpoints of a real silo process: problem details for bad input, the monitor's failure declaration.</summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed class EcuApiTests(SiloProcessFixture fixture)
{
    private SiloProcessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Get_MalformedMac_400ProblemDetails()
    {
        var response = await Cluster.Http.GetAsync("/api/ecus/not-a-mac");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not-a-mac", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostFailure_UnknownEcu_404ProblemDetails()
    {
        var response = await Cluster.Http.PostAsJsonAsync("/api/ecus/02:00:00:00:00:99/failure", new { reason = "monitor" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PostFailure_AliveEcu_DeclaredFailedOnceAndIdempotent()
    {
        var mac = ClusterFixture.NewMac();
        await Cluster.Grains.GetGrain<IEcuGrain>(mac).RegisterAsync(new EcuRegistration("api-ecu", 256L << 20, 1));

        var first = await Cluster.Http.PostAsJsonAsync($"/api/ecus/{mac.ToUpperInvariant()}/failure", new { reason = "overarching entity" });
        var second = await Cluster.Http.PostAsJsonAsync($"/api/ecus/{mac}/failure", new { reason = "again" });
        var view = await Cluster.Http.GetFromJsonAsync<JsonElement>($"/api/ecus/{mac}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failureEpoch").GetInt32());
        Assert.Equal(1, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failureEpoch").GetInt32());
        Assert.Equal("Failed", view.GetProperty("status").GetString());
        Assert.Equal("overarching entity", view.GetProperty("failureReason").GetString());
    }
}
