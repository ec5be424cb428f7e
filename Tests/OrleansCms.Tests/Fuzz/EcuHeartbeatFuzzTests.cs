using System.Net;
using FsCheck.Fluent;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Invalid heartbeats and registrations through <see cref="IEcuGrain"/>, sent beside an ECU that heartbeats
/// validly: each is refused with an ArgumentException, and what the CMS shows of the ECU (status, registration,
/// metrics and their window, programs; over HTTP too) stays what the valid agent reported.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class EcuHeartbeatFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    private static readonly EcuMetrics ValidMetrics = new(0.1, 16L << 20, 1024L << 20);

    [Fact]
    public async Task Heartbeat_InvalidMeasurements_RejectedAndEcuUnchanged()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);
        var reported = new[] { new RunningProgram(0, "fuzzed", Running: true, LastAcknowledgedVersion: 3, RssBytes: 1L << 20, CpuLoad: 0.05, DateTimeOffset.UnixEpoch) };
        ecu.Reported = reported;
        var before = await Eventually.ReturnsAsync(() => ecu.Grain.GetAsync(), v => v.Programs.SequenceEqual(reported),
            TimeSpan.FromSeconds(10), "the ECU's valid heartbeats report its program");

        await FuzzCheck.RunAsync(output, nameof(Heartbeat_InvalidMeasurements_RejectedAndEcuUnchanged),
            EcuCases.BadHeartbeats(new EcuHeartbeat(ValidMetrics, reported)), async heartbeat =>
            {
                var error = await Record.ExceptionAsync(() => ecu.Grain.HeartbeatAsync(heartbeat.Value!));

                using var shown = await fixture.Http.GetAsync($"/api/ecus/{ecu.Mac}");
                Assert.True(shown.StatusCode == HttpStatusCode.OK,
                    $"{heartbeat}: then GET /api/ecus/{ecu.Mac} answered {(int)shown.StatusCode}: {FuzzValues.Short(await shown.Content.ReadAsStringAsync())}");
                Assert.True(error is ArgumentException, $"{heartbeat}: answered {error?.GetType().Name ?? "with success"} {error?.Message}");
                var view = await ecu.Grain.GetAsync();
                Assert.Equal(EcuStatus.Alive, view.Status);
                Assert.Equal(before.Registration, view.Registration);
                Assert.Equal(ValidMetrics, view.Metrics);
                Assert.All(view.Window, sample => Assert.Equal(ValidMetrics, sample.Metrics));
                Assert.Equal(reported, view.Programs);
            }, count: 200);

        await fixture.AssertSiloServesAsync();
    }

    [Fact]
    public async Task RegisterOrRejoin_InvalidRegistration_RejectedAndNothingStored()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);
        var before = await ecu.Grain.GetAsync();
        Assert.Equal(1, await fixture.StoredStateRowsAsync(ecu.Mac));
        var cases =
            from registration in EcuCases.BadRegistrations(before.Registration!)
            from rejoin in ArbMap.Default.GeneratorFor<bool>()
            from unknownMac in FuzzValues.CanonicalMac
            from onUnknown in ArbMap.Default.GeneratorFor<bool>()
            let mac = onUnknown ? unknownMac : ecu.Mac
            select new FuzzCase<(EcuRegistration? Registration, bool Rejoin, string Mac)>(
                $"{(rejoin ? "rejoin" : "register")} {(onUnknown ? "an unknown" : "the alive")} ECU with {registration.Description}",
                (registration.Value, rejoin, mac));

        await FuzzCheck.RunAsync(output, nameof(RegisterOrRejoin_InvalidRegistration_RejectedAndNothingStored), cases, async call =>
        {
            var (registration, rejoin, mac) = call.Value;
            var grain = fixture.Grains.GetGrain<IEcuGrain>(mac);

            var error = await Record.ExceptionAsync(() => rejoin ? grain.RejoinAsync(registration!) : grain.RegisterAsync(registration!));

            Assert.True(error is ArgumentException, $"{call}: answered {error?.GetType().Name ?? "with success"} {error?.Message}");
            var view = await grain.GetAsync();
            if (mac == ecu.Mac)
            {
                Assert.Equal(EcuStatus.Alive, view.Status);
                Assert.Equal(before.Registration, view.Registration);
            }
            else
            {
                Assert.Equal(EcuStatus.Unknown, view.Status);
                Assert.Equal(0, await fixture.StoredStateRowsAsync(mac));
            }
        }, count: 150);

        await fixture.AssertSiloServesAsync();
    }
}
