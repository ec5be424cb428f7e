using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>The catalogue takes programs only from an alive ECU, and each registration once.</summary>
[Collection(EcuClusterCollection.Name)]
public sealed class ProgramRegistrationTests(ClusterFixture fixture)
{
    private static readonly EcuRegistration Registration = new("test-ecu", 512L << 20, 2);

    [Fact]
    public async Task AddProgram_EcuDeclaredFailed_ProgramNotRegisteredAndTheCatalogueUnchanged()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        await ecu.AddProgramAsync(new ProgramEntry(0, new ProgramInfo("kept", 16L << 20), null, DateTimeOffset.UtcNow));
        await ecu.DeclareFailedAsync("test");

        var refused = await Assert.ThrowsAsync<ProgramNotRegisteredException>(() =>
            ecu.AddProgramAsync(new ProgramEntry(1, new ProgramInfo("late", 16L << 20), null, DateTimeOffset.UtcNow)));

        Assert.Equal(EcuStatus.Failed, refused.Status);
        var catalogue = (await ecu.GetAsync()).Catalogue;
        Assert.Equal(["kept"], catalogue.Select(p => p.Program.Name));

        // After the fence and the rejoin, the same program registers.
        Assert.Equal(EcuStatus.Fenced, (await ecu.RegisterAsync(Registration)).Status);
        Assert.Equal(EcuStatus.Alive, (await ecu.RejoinAsync(Registration)).Status);
        Assert.Equal(1, await ecu.AddProgramAsync(new ProgramEntry(1, new ProgramInfo("late", 16L << 20), null, DateTimeOffset.UtcNow)));
        await ecu.RetireAsync("test over");
    }

    [Fact]
    public async Task AddProgram_DeclaredRegistrationRepeated_OneEntryAndTheSameId()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        var declared = new ProgramEntry(0, new ProgramInfo("declared", 16L << 20), null, DateTimeOffset.UtcNow);
        Assert.Equal(0, await ecu.AddProgramAsync(declared));

        // The agent's first answer was lost and it asks again with the ID it reserved.
        Assert.Equal(0, await ecu.AddProgramAsync(declared with { StartedAt = DateTimeOffset.UtcNow }));
        // Another program cannot take that ID.
        await Assert.ThrowsAsync<ArgumentException>(() =>
            ecu.AddProgramAsync(new ProgramEntry(0, new ProgramInfo("other", 16L << 20), null, DateTimeOffset.UtcNow)));

        var catalogue = (await ecu.GetAsync()).Catalogue;
        Assert.Equal(["declared"], catalogue.Select(p => p.Program.Name));
        Assert.Equal(1, (await ecu.HeartbeatAsync(new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 512L << 20), []))).NextProgramId);
        await ecu.RetireAsync("test over");
    }
}
