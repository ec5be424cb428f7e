using OrleansCms.Checkpoints;
using OrleansCms.Api.Operators;
using OrleansCms.Ecus;

namespace OrleansCms.Api;

/// <summary><c>/api/ecus</c>: the fleet, one ECU, and the external monitor's failure declaration.</summary>
public static class EcuEndpoints
{
    private static readonly BodyExample ReasonExample = new("""{"reason": "..."} (or none)""");

    public static IEndpointRouteBuilder MapEcuApi(this IEndpointRouteBuilder app)
    {
        // The alive ECUs by default; ?all=true adds every ECU ever seen (failed, fenced, retired).
        app.MapGet("/api/ecus", async (IGrainFactory grains, string? all) =>
        {
            var everySeen = false;
            if (all is not null && !bool.TryParse(all, out everySeen))
            {
                return Problems.BadRequest("Malformed query", $"?all= takes true or false, not '{all}'; leave it out for the alive ECUs only.");
            }

            var fleet = grains.GetGrain<IFleetGrain>(0);
            var macs = everySeen ? await fleet.ListKnownAsync() : await fleet.ListAsync();
            return Results.Ok(await Task.WhenAll(macs.Select(mac => grains.GetGrain<IEcuGrain>(mac).GetAsync())));
        });

        app.MapGet("/api/ecus/{mac}", async (string mac, IGrainFactory grains) =>
            await WithKnownEcuAsync(mac, grains, (_, view) => Task.FromResult(Results.Ok(view))));

        app.MapPost("/api/ecus/{mac}/failure", async (string mac, FailureRequest? request, IGrainFactory grains) =>
            await WithKnownEcuAsync(mac, grains, async (ecu, view) =>
            {
                if (view.Status == EcuStatus.Retired)
                {
                    return Problems.Conflict("ECU retired", $"ECU {view.Mac} was retired on purpose; a retired ECU cannot fail.");
                }

                try
                {
                    var epoch = await ecu.DeclareFailedAsync(request?.Reason is { Length: > 0 } reason ? reason : "declared failed through the API");
                    var after = await ecu.GetAsync();
                    return Results.Ok(new FailureResponse(after.Mac, epoch, after.Status));
                }
                catch (InvalidOperationException e)
                {
                    // Retired (or re-registered) since the check above.
                    return Problems.Conflict("Cannot declare failed", e.Message);
                }
            })).WithMetadata(ReasonExample).Audited("declare-failed");

        app.MapPost("/api/ecus/{mac}/retire", async (string mac, FailureRequest? request, IGrainFactory grains) =>
            await WithKnownEcuAsync(mac, grains, async (ecu, _) =>
            {
                await ecu.RetireAsync(request?.Reason is { Length: > 0 } reason ? reason : "retired through the API");
                return Results.Ok(await ecu.GetAsync());
            })).WithMetadata(ReasonExample).Audited("retire");
        return app;
    }

    /// <summary>Runs <paramref name="action"/> on a well-formed MAC of a registered ECU; a problem answer otherwise.</summary>
    internal static async Task<IResult> WithKnownEcuAsync(string mac, IGrainFactory grains, Func<IEcuGrain, EcuView, Task<IResult>> action)
    {
        if (!MacAddress.TryNormalize(mac, out var canonical))
        {
            return Problems.MalformedMac(mac);
        }

        var ecu = grains.GetGrain<IEcuGrain>(canonical);
        var view = await ecu.GetAsync();
        return view.Status == EcuStatus.Unknown ? Problems.UnknownEcu(canonical) : await action(ecu, view);
    }
}

/// <summary>Body of <c>POST /api/ecus/{mac}/failure</c> (optional).</summary>
public sealed record FailureRequest(string? Reason) : Operators.IRequestBody;

/// <summary>Answer of <c>POST /api/ecus/{mac}/failure</c>.</summary>
public sealed record FailureResponse(string Mac, int FailureEpoch, EcuStatus Status);
