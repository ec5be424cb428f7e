using Microsoft.Playwright;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The system's Chromium (Debian package <c>chromium</c>) driven by Playwright; no browser is downloaded.
/// A machine without it fails the test that needs it, saying how to install it.
/// </summary>
public static class HeadlessChromium
{
    /// <summary><c>$CMS_CHROMIUM</c>, or the Debian package's binary.</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("CMS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}: install it with 'apt-get install -y --no-install-recommends chromium' (.ci/run does), or set CMS_CHROMIUM to a Chromium binary.");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
                Timeout = 60_000,
            });
            return (playwright, browser);
        }
        catch (PlaywrightException e)
        {
            playwright.Dispose();
            throw new InvalidOperationException($"Chromium at {ExecutablePath} did not start headless: {e.Message}", e);
        }
    }

    /// <summary>Where a test leaves files to look at: <c>$CMS_TEST_RESULTS</c> (set by ./cms test) or TestResults beside the tests.</summary>
    public static string ResultsFolder()
    {
        var folder = Environment.GetEnvironmentVariable("CMS_TEST_RESULTS") is { Length: > 0 } results
            ? results
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
