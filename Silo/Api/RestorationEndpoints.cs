using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Api;

/// <summary><c>/api/restorations</c>, <c>/api/migrations</c>, <c>/api/programs</c> and an ECU's checkpoints.</summary>
public static class RestorationEndpoints
{
    public static WebApplication MapRestorationApi(this WebApplication app)
    {
        app.MapGet("/api/restorations", (IGrainFactory grains) => grains.GetGrain<IRestorationLogGrain>(0).ListAsync());

        app.MapGet("/api/restorations/{id}", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IRestorationGrain>(id).GetAsync() is { } view
                ? Results.Ok(view)
                : Problems.NotFound("Unknown restoration", $"No restoration or migration '{id}' was started."));

        app.MapPost("/api/migrations", async (MigrationRequest? request, IGrainFactory grains) =>
        {
            if (request?.Mac is null || !MacAddress.TryNormalize(request.Mac, out var mac))
            {
                return Problems.BadRequest("Malformed MAC address", $"'{request?.Mac}' is not a MAC address; expected aa:bb:cc:dd:ee:ff.");
            }

            if (request.TargetMac is { } target && !MacAddress.TryNormalize(target, out _))
            {
                return Problems.BadRequest("Malformed target MAC address", $"'{target}' is not a MAC address.");
            }

            var ecu = grains.GetGrain<IEcuGrain>(mac);
            var view = await ecu.GetAsync();
            if (view.Status == EcuStatus.Unknown)
            {
                return Problems.NotFound("Unknown ECU", $"No ECU {mac} has registered.");
            }

            if (!view.Catalogue.Any(p => p.ProgramId == request.ProgramId && p.Status == ProgramEntryStatus.Active))
            {
                return Problems.NotFound("Unknown program", $"ECU {mac} runs no program {request.ProgramId}.");
            }

            try
            {
                var id = await ecu.RequestMigrationAsync(request.ProgramId, request.TargetMac);
                return Results.Accepted($"/api/restorations/{Uri.EscapeDataString(id)}", new MigrationAccepted(id));
            }
            catch (InvalidOperationException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Cannot migrate", detail: e.Message);
            }
        });

        app.MapGet("/api/ecus/{mac}/checkpoints", async (string mac, IGrainFactory grains) =>
        {
            if (!MacAddress.TryNormalize(mac, out var canonical))
            {
                return Problems.BadRequest("Malformed MAC address", $"'{mac}' is not a MAC address; expected aa:bb:cc:dd:ee:ff.");
            }

            var view = await grains.GetGrain<IEcuGrain>(canonical).GetAsync();
            if (view.Status == EcuStatus.Unknown)
            {
                return Problems.NotFound("Unknown ECU", $"No ECU {canonical} has registered.");
            }

            var programs = await Task.WhenAll(view.Catalogue.Select(async p =>
            {
                var versions = await grains.GetGrain<ICheckpointGrain>(new CheckpointKey(canonical, p.ProgramId).ToString()).GetVersionsAsync();
                return new ProgramCheckpoints(p.ProgramId, p.Program.Name, p.Status,
                    [.. versions.Select(v => new CheckpointSummary(v.Version, v.TotalSize, v.Chunks.Length, v.Sha256, v.CreatedAt))]);
            }));
            return Results.Ok(programs);
        });

        app.MapGet("/api/programs", async (IGrainFactory grains) =>
        {
            var macs = await grains.GetGrain<IFleetGrain>(0).ListKnownAsync();
            var ecus = await Task.WhenAll(macs.Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync()));
            return ProgramLineage.Build(ecus);
        });
        return app;
    }
}

/// <summary>Body of <c>POST /api/migrations</c>.</summary>
public sealed record MigrationRequest(string? Mac, int ProgramId, string? TargetMac);

/// <summary>Answer of <c>POST /api/migrations</c>: follow it at <c>/api/restorations/{id}</c>.</summary>
public sealed record MigrationAccepted(string Id);

/// <summary>One program of an ECU with its retained checkpoint versions, newest first.</summary>
public sealed record ProgramCheckpoints(int ProgramId, string Name, ProgramEntryStatus Status, IReadOnlyList<CheckpointSummary> Versions);

public sealed record CheckpointSummary(long Version, long Bytes, int Chunks, string Sha256, DateTimeOffset CreatedAt);
