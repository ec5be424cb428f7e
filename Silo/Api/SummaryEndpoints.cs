using Npgsql;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Storage;

namespace OrleansCms.Api;

/// <summary><c>GET /api/summary</c>: the few counts an operator watches, in one small answer.</summary>
public static class SummaryEndpoints
{
    // The dashboard and the launcher poll the summary: a database that does not answer soon leaves the count out.
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(2);

    public static IEndpointRouteBuilder MapSummaryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/summary", async (IGrainFactory grains, IClusterMembershipService membership, ChunkStore store, CancellationToken aborted) =>
        {
            var fleet = grains.GetGrain<IFleetGrain>(0);
            var censusTask = fleet.CensusAsync();
            var restorationsTask = grains.GetGrain<IRestorationLogGrain>(0).ListAsync();
            var storedTask = CountStoredAsync(store, aborted);
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
                await storedTask,
                restorations.Count,
                restorations.Count(r => r.FinishedAt is null));
        });
        return app;
    }

    private static async Task<long?> CountStoredAsync(ChunkStore store, CancellationToken aborted)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        timeout.CancelAfter(CountTimeout);
        try
        {
            return await store.CountVersionsAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return null;
        }
    }
}

/// <summary>
/// The answer of <c>GET /api/summary</c>. <see cref="CheckpointsStored"/> counts the checkpoint versions PostgreSQL
/// holds now (every retained version of every program copy, and uploads under way); null when the database did not
/// answer in time.
/// </summary>
public sealed record CmsSummary(
    int SilosActive,
    int Silos,
    int EcusAlive,
    int EcusFailed,
    int EcusRetired,
    int ProgramsRunning,
    long? CheckpointsStored,
    int Restorations,
    int RestorationsUnfinished);
