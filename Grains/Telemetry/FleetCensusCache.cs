using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCms.Ecus;

namespace OrleansCms.Telemetry;

/// <summary>
/// The fleet's census as this silo last counted it, refreshed every <see cref="RefreshInterval"/>, so that the
/// <c>cms.ecus</c> gauge never calls a grain from its callback.
/// </summary>
public sealed partial class FleetCensusCache(IGrainFactory grains, ILogger<FleetCensusCache> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private volatile FleetCensus? _latest;

    /// <summary>The latest census, or null before the first one arrived.</summary>
    public FleetCensus? Latest => _latest;

    /// <summary>The gauge's measurements: one per status, nothing before the first census.</summary>
    public IEnumerable<Measurement<int>> Measure() => _latest is { } census
        ? [
            new(census.Alive, CmsMetrics.StatusTag(EcuStatus.Alive)),
            new(census.Failed, CmsMetrics.StatusTag(EcuStatus.Failed)),
            new(census.Retired, CmsMetrics.StatusTag(EcuStatus.Retired)),
        ]
        : [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval);
        do
        {
            try
            {
                _latest = await grains.GetGrain<IFleetGrain>(0).CensusAsync().WaitAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The silo may not be active yet, or the fleet grain's silo just died: keep the last census.
                CensusFailed(e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fleet census failed, keeping the last one: {Reason}")]
    private partial void CensusFailed(string reason);
}
