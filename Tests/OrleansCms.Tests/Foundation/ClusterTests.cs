using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Foundation;

[Collection(ReleaseClusterCollection.Name)]
public sealed class ClusterTests(ClusterFixture fixture)
{
    private static readonly TimeSpan DeathDetection = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Membership_TwoSilos_BothActiveInPostgres()
    {
        var active = await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 3",
            fixture.Cluster.Options.ClusterId);

        Assert.True(active >= ClusterFixture.SiloCount, $"expected {ClusterFixture.SiloCount} active silos in the membership table, found {active}");
        Assert.Equal(fixture.Cluster.GetActiveSilos().Count(), active);
    }

    [Fact]
    public async Task GrainState_SiloThatWroteItIsKilled_ReadBackFromTheOtherSilo()
    {
        var key = $"probe-{Guid.NewGuid():N}";
        var grain = fixture.Grains.GetGrain<IProbeStateGrain>(key);
        await grain.SetAsync("survives");
        var host = await grain.WhereAsync();
        var victim = await fixture.SiloHostingAsync(grain);

        await fixture.Cluster.KillSiloAsync(victim);
        try
        {
            // The grain comes back on a survivor once the dead silo's directory partition is taken over.
            var value = await Eventually.ReturnsAsync(
                async () => (await grain.WhereAsync() != host) ? await grain.GetAsync() : null,
                v => v is not null, DeathDetection, "the grain is reactivated on a surviving silo", Transient.SiloLost);
            Assert.Equal("survives", value);
        }
        finally
        {
            await fixture.RestoreSiloCountAsync();
        }
    }
}
