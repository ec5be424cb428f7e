using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;
using static Microsoft.Playwright.Assertions;

namespace OrleansCms.Tests.Dashboard;

/// <summary>
/// The dashboard in real headless Chromium against two real silo processes: ECUs and programs appear, and
/// "Declare failed" fails the ECU and shows its restoration as it happens; a refused action is shown.
/// The tests share one CMS and one browser, and each uses ECUs of its own.
/// </summary>
[Trait("Speed", "Process")]
public sealed class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>, IAsyncLifetime
{
    private readonly List<FakeEcu> _ecus = [];
    private readonly CmsProcesses _cms = fixture.Cms;
    private readonly IBrowser _browser = fixture.Browser;

    public Task InitializeAsync()
    {
        SetDefaultExpectTimeout(30_000);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Dashboard_DeclareFailed_EcuTurnsFailedAndItsRestorationAppears()
    {
        var doomed = await StartEcuAsync(1024, 0.35, "brake-control");
        var survivor = await StartEcuAsync(2048, 0.2, "navigation");
        var spare = await StartEcuAsync(4096, 0.05);
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        var consoleErrors = new List<string>();
        // The API's 401s before the sign-in are how the page learns it must ask for a token; anything else is an error.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("status of 401", StringComparison.Ordinal))
            {
                consoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => consoleErrors.Add(error);

        await page.GotoAsync(_cms.Http(0).BaseAddress!.ToString());
        // The API asks for a token: the dashboard asks the user for it, keeps it for this tab and shows who is signed in.
        await Expect(page.Locator("dialog#signin")).ToBeVisibleAsync();
        await page.Locator("#signin-token").FillAsync(Token(OperatorTokens.Operator));
        await page.Locator("#signin-ok").ClickAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync($"{TestCertificates.Operator} · operator");

        var doomedCard = page.Locator($"article.ecu[data-mac='{doomed.Mac}']");
        await Expect(doomedCard.Locator(".ecu-status")).ToHaveTextAsync("Alive");
        await Expect(doomedCard.Locator("tr[data-program='brake-control'] .checkpoint")).ToContainTextAsync("v1");
        await Expect(page.Locator($"article.ecu[data-mac='{survivor.Mac}'] tr[data-program='navigation']")).ToBeVisibleAsync();
        await Expect(page.Locator($"article.ecu[data-mac='{spare.Mac}']")).ToBeVisibleAsync();
        await Expect(page.Locator(".silo .status.active")).ToHaveCountAsync(2);

        await doomedCard.Locator("button.fail").ClickAsync();
        await Expect(page.Locator("dialog#confirm")).ToBeVisibleAsync();
        await page.Locator("#confirm-ok").ClickAsync();

        // Declared failed; its fake ECU keeps heartbeating, so the CMS fences it next: both are the failed state.
        await Expect(doomedCard.Locator(".ecu-status")).ToHaveTextAsync(new Regex("^(Failed|Fenced)$"));
        var restoration = page.Locator($"tr[data-restoration-id='failure:{doomed.Mac}:1']");
        await Expect(restoration.Locator("[data-restored-program='brake-control']")).ToContainTextAsync("Running");
        await Expect(page.Locator(".message.ok")).ToContainTextAsync("declared failed");
        var recorded = page.Locator("#audit tr", new() { HasText = $"/api/ecus/{doomed.Mac}/failure" });
        await Expect(recorded).ToContainTextAsync($"{TestCertificates.Operator}declare-failed");
        await Expect(recorded).ToContainTextAsync("200");
        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ResultsFolder(), "dashboard.png"), FullPage = true });

        var view = await _cms.Grains.GetGrain<IEcuGrain>(doomed.Mac).GetAsync();
        Assert.Contains(view.Status, new[] { EcuStatus.Failed, EcuStatus.Fenced });
        Assert.Equal("declared failed from the dashboard", view.FailureReason);
        var restored = Assert.Single((await _cms.Grains.GetGrain<IRestorationGrain>($"failure:{doomed.Mac}:1").GetAsync())!.Programs);
        Assert.Equal(RestorationOutcome.Running, restored.Outcome);
        Assert.Contains(restored.TargetMac, new[] { survivor.Mac, spare.Mac });
        Assert.Empty(consoleErrors);
        var scrapes = await Task.WhenAll(_cms.Http(0).GetStringAsync("/metrics"), _cms.Http(1).GetStringAsync("/metrics"));
        Assert.Contains(scrapes, text => Regex.IsMatch(text, "^cms_restore_duration_milliseconds_count\\{[^}]*kind=\"failure\"[^}]*\\} [1-9]", RegexOptions.Multiline));
    }

    [Fact]
    public async Task Dashboard_ApiRefusesAnAction_ShowsTheProblemToTheUser()
    {
        var ecu = await StartEcuAsync(1024, 0.1, "logger");
        var page = await SignedInPageAsync(OperatorTokens.Operator);
        await page.GotoAsync(_cms.Http(1).BaseAddress!.ToString());
        var card = page.Locator($"article.ecu[data-mac='{ecu.Mac}']");
        await Expect(card.Locator("tr[data-program='logger']")).ToBeVisibleAsync();

        // The only other ECUs may be gone by the time the user confirms: retire this one behind the page's back.
        await card.Locator("button.migrate").ClickAsync();
        await Expect(page.Locator("dialog#confirm")).ToBeVisibleAsync();
        await ecu.Grain.RetireAsync("retired while the dialog was open");
        await page.Locator("#confirm-ok").ClickAsync();

        await Expect(page.Locator(".message:not(.ok)")).ToContainTextAsync("Could not migrate logger: Cannot migrate");
    }

    [Fact]
    public async Task Dashboard_SignedInAsAReader_ShowsTheFleetButNoActions()
    {
        var ecu = await StartEcuAsync(1024, 0.1, "logger");
        var page = await SignedInPageAsync(OperatorTokens.Reader);
        await page.GotoAsync(_cms.Http(0).BaseAddress!.ToString());

        var card = page.Locator($"article.ecu[data-mac='{ecu.Mac}']");
        await Expect(card.Locator("tr[data-program='logger']")).ToBeVisibleAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync("reader");
        await Expect(card.Locator("button.fail")).ToBeHiddenAsync();
        await Expect(card.Locator("button.migrate")).ToBeHiddenAsync();
        await Expect(page.Locator("dialog#signin")).ToBeHiddenAsync();
    }

    private static string Token(string role) => TestCertificates.Get().Token(TestCertificates.Operator, role, TimeSpan.FromMinutes(30));

    /// <summary>A page of a tab where the user already signed in with a token of <paramref name="role"/>.</summary>
    private async Task<IPage> SignedInPageAsync(string role)
    {
        var page = await _browser.NewPageAsync();
        await page.AddInitScriptAsync($"sessionStorage.setItem('cms-token', '{Token(role)}');");
        return page;
    }

    public async Task DisposeAsync()
    {
        foreach (var ecu in _ecus)
        {
            await ecu.DisposeAsync();
        }
    }

    /// <summary>A fake ECU whose programs each have one stored checkpoint (v1), reported by its heartbeats.</summary>
    private async Task<FakeEcu> StartEcuAsync(long ramMb, double cpuLoad, params string[] programs)
    {
        var ecu = await FakeEcu.StartAsync(_cms.Client, ramMb, cpuLoad);
        _ecus.Add(ecu);
        var reported = new List<RunningProgram>();
        foreach (var name in programs)
        {
            var id = await ecu.AddProgramAsync(name);
            var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: id), version: 1, name: name);
            var source = new RecordingChunkSource(checkpoint.Chunks);
            var reference = _cms.Client.CreateObjectReference<IChunkSource>(source);
            try
            {
                var result = await _cms.Grains.GetGrain<ICheckpointGrain>(new CheckpointKey(ecu.Mac, id).ToString()).OfferAsync(checkpoint.Manifest, reference);
                Assert.Equal(OfferStatus.Acknowledged, result.Status);
            }
            finally
            {
                // The client holds observers weakly: the source must outlive the offer.
                _cms.Client.DeleteObjectReference<IChunkSource>(reference);
                GC.KeepAlive(source);
            }
            reported.Add(new RunningProgram(id, name, Running: true, LastAcknowledgedVersion: 1, RssBytes: 24L << 20, CpuLoad: 0.02, LastAcknowledgedAt: DateTimeOffset.UtcNow));
        }

        ecu.Reported = reported;
        return ecu;
    }
}
