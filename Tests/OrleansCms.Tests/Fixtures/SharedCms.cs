namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// One CMS of real processes (two silos) shared by every test of <see cref="SharedCmsCollection"/>: starting one costs
/// about seven seconds of both cores. Each test ends with <see cref="CmsProcesses.EndTestAsync"/>: its ECUs retired and its agents gone, so
/// the next test's restorations can place nothing on them, and every silo running again.
/// </summary>
public sealed class SharedCms : IAsyncLifetime
{
    public CmsProcesses Cms { get; private set; } = null!;

    public async Task InitializeAsync() => Cms = await CmsProcesses.StartAsync(silos: 2);

    public async Task DisposeAsync()
    {
        if (Cms is not null)
        {
            await Cms.DisposeAsync();
        }
    }
}
