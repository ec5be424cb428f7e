using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Api;

/// <summary><c>GET /api/summary</c>: the few counts an operator watches, in one small answer.</summary>
public static class SummaryEndpoints
{
    public static WebApplication MapSummaryApi(this WebApplication app)
    {
        app.MapGet("/api/summary", async (IGrainFactory grains, IClusterMembershipService membership) =>
        {
            var fleet = grains.GetGrain<IFleetGrain>(0);
            var censusTask = fleet.CensusAsync();
            var restorationsTask = grains.GetGrain<IRestorationLogGrain>(0).ListAsync();
            var alive = await Task.WhenAll((await fleet.ListAsync()).Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync()));
            var census = await censusTask;
            var restorations = await restorationsTask;
            var silos = membership.CurrentSnapshot.Members.Values;
            var running = alive.Where(e => e.Status == EcuStatus.Alive).SelectMany(e => e.Programs).Where(p => p.Running).ToList();
            return new CmsSummary(
                silos.Where(s => s.Status == SiloStatus.Active).Select(s => s.SiloAddress.Endpoint).Distinct().Count(),
                // A restarted silo is a new generation on the same endpoint: count endpoints, not generations.
                silos.Select(s => s.SiloAddress.Endpoint).Distinct().Count(),
                census.Alive,
                census.Failed,
                census.Retired,
                running.Count,
                running.Sum(p => p.LastAcknowledgedVersion),
                restorations.Count,
                restorations.Count(r => r.FinishedAt is null));
        });
        return app;
    }
}

/// <summary>
/// The answer of <c>GET /api/summary</c>. <see cref="Checkpoints"/> adds up the newest acknowledged version of
/// every running program (versions count the checkpoints of a copy, from 1).
/// </summary>
public sealed record CmsSummary(
    int SilosActive,
    int Silos,
    int EcusAlive,
    int EcusFailed,
    int EcusRetired,
    int ProgramsRunning,
    long Checkpoints,
    int Restorations,
    int RestorationsUnfinished);
