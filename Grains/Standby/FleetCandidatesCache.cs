using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Standby;

/// <summary>
/// The placement candidates of the whole fleet as this silo last gathered them, for planning standbys: refreshed in
/// the background when older than <see cref="StandbyOptions.ReplanInterval"/> and asked for, so that no grain turn
/// waits on a fleet-wide gather. A restoration gathers its own, fresh candidates.
/// </summary>
public sealed partial class FleetCandidatesCache(
    IGrainFactory grains, IOptions<StandbyOptions> options, IOptions<RestorationOptions> restoration, TimeProvider clock, ILogger<FleetCandidatesCache> logger)
{
    private const int GatherBatch = 256;
    private readonly Lock _lock = new();
    private (DateTimeOffset At, IReadOnlyList<PlacementCandidate> Candidates)? _latest;
    private Task? _refresh;

    /// <summary>The latest candidates, or null before the first gather finished; starts a gather when they are stale.</summary>
    public IReadOnlyList<PlacementCandidate>? Current()
    {
        lock (_lock)
        {
            if ((_latest is not { } latest || clock.GetUtcNow() - latest.At >= options.Value.ReplanInterval) && _refresh is null or { IsCompleted: true })
            {
                _refresh = Task.Run(GatherAsync);
            }

            return _latest?.Candidates;
        }
    }

    private async Task GatherAsync()
    {
        try
        {
            var macs = await grains.GetGrain<IFleetGrain>(0).ListAsync();
            var views = new List<EcuView>(macs.Count);
            foreach (var batch in macs.Chunk(GatherBatch))
            {
                views.AddRange(await Task.WhenAll(batch.Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync())));
            }

            var now = clock.GetUtcNow();
            var candidates = FleetCandidates.From(views, now - restoration.Value.CpuLoadAveraging);
            lock (_lock)
            {
                _latest = (now, candidates);
            }
        }
        catch (Exception e)
        {
            // A silo just died or is starting: the next ask gathers again.
            GatherFailed(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gathering the fleet's placement candidates for standbys failed: {Reason}")]
    private partial void GatherFailed(string reason);
}
