using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>Programs of fake ECUs for the restoration tests on the two-silo cluster.</summary>
internal static class RestorationTestPrograms
{
    /// <summary>Registers a program on the ECU and stores one checkpoint of it.</summary>
    public static async Task<CheckpointKey> CheckpointedAsync(ClusterFixture fixture, FakeEcu ecu, string name)
    {
        var id = await ecu.AddProgramAsync(name);
        var key = new CheckpointKey(ecu.Mac, id);
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: id + 1), version: 1, name: name);
        var result = await fixture.OfferAsync(fixture.Grains.GetGrain<ICheckpointGrain>(key.ToString()), checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));
        Assert.True(result.IsAcknowledged);
        return key;
    }
}
