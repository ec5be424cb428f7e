using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Api;

/// <summary><c>/api/programs</c> (logical programs with their lineage) and <c>/api/ecus/{mac}/checkpoints</c>.</summary>
public static class ProgramEndpoints
{
    public static IEndpointRouteBuilder MapProgramApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ecus/{mac}/checkpoints", async (string mac, IGrainFactory grains) =>
            await EcuEndpoints.WithKnownEcuAsync(mac, grains, async (_, view) =>
            {
                var programs = await Task.WhenAll(view.Catalogue.Select(async p =>
                {
                    var status = await grains.GetGrain<ICheckpointGrain>(new CheckpointKey(view.Mac, p.ProgramId).ToString()).GetStatusAsync();
                    return new ProgramCheckpoints(p.ProgramId, p.Program.Name, p.Status,
                        [.. status.Versions.Select(v => new CheckpointSummary(v.Version, v.TotalSize, v.Chunks.Length, v.Sha256, v.CreatedAt))],
                        status.Claimant, status.ReleaseDueAt, status.ReleasedAt, status.StandbyMac, status.StandbyVersion);
                }));
                return Results.Ok(programs);
            }));

        app.MapGet("/api/programs", async (IGrainFactory grains) =>
        {
            var macs = await grains.GetGrain<IFleetGrain>(0).ListKnownAsync();
            var ecus = await Task.WhenAll(macs.Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync()));
            return ProgramLineage.Build(ecus);
        });
        return app;
    }
}

/// <summary>
/// One program of an ECU with its retained checkpoint versions, newest first; who claimed them, when they are released
/// (not before; once no copy depends on them) and when they were (no versions are listed after it); the ECU that keeps
/// its warm standby and the newest version that ECU holds complete (0: none yet), as its checkpoint grain knows them.
/// </summary>
public sealed record ProgramCheckpoints(
    int ProgramId, string Name, ProgramEntryStatus Status, IReadOnlyList<CheckpointSummary> Versions,
    string? ClaimedBy, DateTimeOffset? ReleaseDueAt, DateTimeOffset? ReleasedAt, string? StandbyMac, long StandbyVersion);

/// <summary>One retained checkpoint version.</summary>
public sealed record CheckpointSummary(long Version, long Bytes, int Chunks, string Sha256, DateTimeOffset CreatedAt);
