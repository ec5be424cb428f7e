using OrleansCms.Checkpoints;
using OrleansCms.Api.Operators;
using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Api;

/// <summary><c>/api/restorations</c> and <c>/api/migrations</c>.</summary>
public static class RestorationEndpoints
{
    private static readonly BodyExample MigrationExample = new("""{"mac": "aa:bb:cc:dd:ee:ff", "programId": 0, "targetMac": null}""");

    public static IEndpointRouteBuilder MapRestorationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/restorations", (IGrainFactory grains) => grains.GetGrain<IRestorationLogGrain>(0).ListAsync());

        app.MapGet("/api/restorations/{id}", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IRestorationGrain>(id).GetAsync() is { } view
                ? Results.Ok(view)
                : Problems.NotFound("Unknown restoration", $"No restoration or migration '{id}' was started; GET /api/restorations lists them."));

        app.MapPost("/api/migrations", async (MigrationBody? request, IGrainFactory grains) =>
        {
            if (request is null)
            {
                return Problems.BadRequest("Missing body", $"POST /api/migrations takes a JSON body such as {MigrationExample.Json}; send one with Content-Type: application/json.");
            }

            if (!MacAddress.TryNormalize(request.Mac, out var mac))
            {
                return Problems.MalformedMac(request.Mac);
            }

            string? target = null;
            if (request.TargetMac is { Length: > 0 } requested)
            {
                if (!MacAddress.TryNormalize(requested, out var canonicalTarget))
                {
                    return Problems.MalformedMac(requested, "target MAC address");
                }

                target = canonicalTarget;
            }

            var ecu = grains.GetGrain<IEcuGrain>(mac);
            var view = await ecu.GetAsync();
            if (view.Status == EcuStatus.Unknown)
            {
                return Problems.UnknownEcu(mac);
            }

            if (view.Catalogue.FirstOrDefault(p => p.ProgramId == request.ProgramId) is not { } program)
            {
                return Problems.NotFound("Unknown program", $"ECU {mac} never ran a program {request.ProgramId}; GET /api/ecus/{mac}/checkpoints lists its programs.");
            }

            if (program.Status != ProgramEntryStatus.Active || view.Status != EcuStatus.Alive)
            {
                return Problems.Conflict("Cannot migrate", view.Status != EcuStatus.Alive
                    ? $"ECU {mac} is {view.Status}; only programs of an alive ECU migrate."
                    : $"Program {request.ProgramId} on {mac} is {program.Status}; only a running program migrates.");
            }

            if (target is not null && await TargetProblemAsync(grains, mac, target) is { } problem)
            {
                return problem;
            }

            try
            {
                var id = await ecu.RequestMigrationAsync(request.ProgramId, target);
                return Results.Accepted($"/api/restorations/{Uri.EscapeDataString(id)}", new MigrationAccepted(id));
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                // The ECU or its program changed since the checks above (failed, stopped, migrated).
                return Problems.Conflict("Cannot migrate", e.Message);
            }
        }).WithMetadata(MigrationExample).Audited("migrate");
        return app;
    }

    private static async Task<IResult?> TargetProblemAsync(IGrainFactory grains, string source, string target)
    {
        if (target == source)
        {
            return Problems.Conflict("Cannot migrate", $"The target {target} is the source ECU; choose another ECU or none.");
        }

        var status = (await grains.GetGrain<IEcuGrain>(target).GetAsync()).Status;
        return status switch
        {
            EcuStatus.Alive => null,
            EcuStatus.Unknown => Problems.NotFound("Unknown target ECU", $"No ECU {target} has registered; name an alive ECU (GET /api/ecus) or none."),
            _ => Problems.Conflict("Cannot migrate", $"The target ECU {target} is {status}; only an alive ECU can take a program."),
        };
    }
}

/// <summary>Body of <c>POST /api/migrations</c>: move program <see cref="ProgramId"/> of <see cref="Mac"/>, to <see cref="TargetMac"/> or the best ECU.</summary>
public sealed record MigrationBody(string? Mac, int ProgramId, string? TargetMac) : IRequestBody;

/// <summary>Answer of <c>POST /api/migrations</c>: follow it at <c>/api/restorations/{id}</c>.</summary>
public sealed record MigrationAccepted(string Id);
