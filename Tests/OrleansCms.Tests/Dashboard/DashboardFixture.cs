using Microsoft.Playwright;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Dashboard;

/// <summary>Two real silo processes and one headless Chromium, shared by the dashboard tests.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public CmsProcesses Cms { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The browser first: a machine without Chromium fails here at once, before any silo starts.
        (_playwright, Browser) = await HeadlessChromium.LaunchAsync();
        Cms = await CmsProcesses.StartAsync(silos: 2);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Cms is not null)
        {
            await Cms.DisposeAsync();
        }
    }
}
