using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Invalid catalogue calls through <see cref="IEcuGrain"/> (program registrations, end states, crash reports,
/// migration requests) are refused with an ArgumentException and leave the catalogue and the next free program
/// ID as they were; program IDs from the whole int range keep the next free ID above every ID in use.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class EcuCatalogueFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    private static readonly EcuHeartbeat Beat = new(new EcuMetrics(0.1, 16L << 20, 1024L << 20), []);

    [Fact]
    public async Task CatalogueCall_Invalid_RejectedAndCatalogueUnchanged()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);
        var active = await ecu.AddProgramAsync("fuzzed");
        var before = Describe(await ecu.Grain.GetAsync());
        var nextId = (await ecu.Grain.HeartbeatAsync(Beat)).NextProgramId;
        Assert.Equal(active + 1, nextId);

        await FuzzCheck.RunAsync(output, nameof(CatalogueCall_Invalid_RejectedAndCatalogueUnchanged),
            EcuCases.BadCatalogueCalls(nextId, active), async call =>
            {
                var error = await Record.ExceptionAsync(() => call.Value(ecu.Grain));

                Assert.True(error is ArgumentException, $"{call}: answered {error?.GetType().Name ?? "with success"} {error?.Message}");
                Assert.Equal(before, Describe(await ecu.Grain.GetAsync()));
                Assert.Equal(nextId, (await ecu.Grain.HeartbeatAsync(Beat)).NextProgramId);
            }, count: 200);

        await fixture.AssertSiloServesAsync();
    }

    [Fact]
    public async Task AddProgram_AnyId_NextFreeIdStaysAboveEveryIdInUse()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);

        await FuzzCheck.RunAsync(output, nameof(AddProgram_AnyId_NextFreeIdStaysAboveEveryIdInUse), EcuCases.AnyIdEntries(), async add =>
        {
            var before = (await ecu.Grain.GetAsync()).Catalogue;
            var repeat = before.Any(p => p.ProgramId == add.Value.ProgramId && p.Status == ProgramEntryStatus.Active);
            var error = await Record.ExceptionAsync(async () => Assert.Equal(add.Value.ProgramId, await ecu.Grain.AddProgramAsync(add.Value)));

            // A new ID is added or refused; an ID in use by the same active declared program is a repeated registration.
            Assert.True(repeat ? error is null : error is null or ArgumentException, $"{add}: answered {error?.GetType().Name} {error?.Message}");
            var catalogue = (await ecu.Grain.GetAsync()).Catalogue;
            Assert.Equal(before.Count + (error is null && !repeat ? 1 : 0), catalogue.Count);
            var next = (await ecu.Grain.HeartbeatAsync(Beat)).NextProgramId;
            Assert.True(next >= 0 && catalogue.All(p => p.ProgramId < next),
                $"{add}: the next free program ID is {next}, the catalogue holds {string.Join(", ", catalogue.Select(p => p.ProgramId))}");
        }, count: 100);

        await fixture.AssertSiloServesAsync();
    }

    /// <summary>The catalogue as text (records holding lists do not compare by value).</summary>
    private static string Describe(EcuView view) => string.Join(Environment.NewLine, view.Catalogue.Select(p =>
        $"{p.ProgramId} {p.Status} {p.Program.Name} {p.Program.RamBytes} {p.Program.Period} {p.Program.Wcet} {p.Origin} {p.StartedAt:O} {p.Successor} {p.EndedAt:O} {p.EndReason}"));
}
