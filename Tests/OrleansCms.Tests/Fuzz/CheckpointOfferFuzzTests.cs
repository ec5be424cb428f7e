using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Bad offers through <c>ICheckpointAgentGrain.OfferAsync</c>, as an agent makes them (manifest plus a chunk source
/// observer): each is rejected with a reason, and the program's stored checkpoint, its versions and its chunk
/// references stay exactly as they were.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class CheckpointOfferFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Offer_ValidCheckpointWithOneFault_RejectedWithItsReasonAndNothingStored()
    {
        var program = await FuzzedProgram.CreateAsync(fixture, seed: 1);

        await FuzzCheck.RunAsync(output, nameof(Offer_ValidCheckpointWithOneFault_RejectedWithItsReasonAndNothingStored),
            OfferCases.Mutated(program.Stored.Manifest), program.AssertRejectedAsync, count: 200);

        output.WriteLine($"rejections: {program.Rejections}");
        Assert.True(FuzzCheck.ReplaysOneCase || program.Rejections.Distinct >= 6, $"the faults reached too few checks: {program.Rejections}");

        await program.AssertStoredReadsBackAsync();
        await program.AssertAcceptsNextAsync(seed: 2);
        await fixture.AssertSiloServesAsync();
    }

    [Fact]
    public async Task Offer_RandomManifest_RejectedAndNothingStored()
    {
        var program = await FuzzedProgram.CreateAsync(fixture, seed: 3);

        await FuzzCheck.RunAsync(output, nameof(Offer_RandomManifest_RejectedAndNothingStored),
            OfferCases.Random(FuzzedProgram.StoredVersion), program.AssertRejectedAsync, count: 150);

        output.WriteLine($"rejections: {program.Rejections}");
        Assert.True(FuzzCheck.ReplaysOneCase || program.Rejections.Distinct >= 3, $"the random manifests reached too few checks: {program.Rejections}");

        await program.AssertStoredReadsBackAsync();
        await program.AssertAcceptsNextAsync(seed: 4);
        await fixture.AssertSiloServesAsync();
    }
}
