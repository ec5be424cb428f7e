using System.Text.Json;
using OrleansCms.Storage;

namespace OrleansCms.Api.Operators;

/// <summary>
/// Records an HTTP action in the <see cref="AuditLog"/> before it runs (a record that cannot be written fails the
/// request, and nothing changes) and its status code after: who (the token's subject), what (the action's name and
/// its path), the body, when and from which address.
/// </summary>
public sealed class AuditFilter(string action) : IEndpointFilter
{
    /// <summary>Who acts on a silo without TLS, where no token is asked for.</summary>
    public const string Anonymous = "anonymous (no TLS)";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var log = http.RequestServices.GetRequiredService<AuditLog>();
        var body = context.Arguments.OfType<IRequestBody>().FirstOrDefault();
        return await log.RecordAsync(
            http.User.Identity?.Name ?? Anonymous,
            action,
            http.Request.Path,
            body is null ? null : JsonSerializer.Serialize(body, body.GetType(), Json),
            $"{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}",
            async () => await next(context),
            result => result is IStatusCodeHttpResult { StatusCode: { } status } ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "200",
            http.RequestAborted);
    }
}

/// <summary>A JSON request body, recorded with the action it asks for.</summary>
public interface IRequestBody;

public static class AuditEndpoints
{
    /// <summary>Requires the operator role and records each call of the endpoint as <paramref name="action"/>.</summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder endpoint, string action) =>
        endpoint.RequireAuthorization(OperatorAuthentication.OperatorPolicy).AddEndpointFilter(new AuditFilter(action));

    /// <summary><c>GET /api/audit?limit=N</c>: the newest operator actions first (default 100, at most 1000).</summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/api/audit", async (AuditLog log, string? limit, CancellationToken aborted) =>
        {
            var count = 100;
            if (limit is not null && (!int.TryParse(limit, out count) || count is < 1 or > AuditLog.MaxRecent))
            {
                return Problems.BadRequest("Malformed query", $"?limit= takes a whole number from 1 to {AuditLog.MaxRecent}, not '{limit}'.");
            }

            return Results.Ok(await log.RecentAsync(count, aborted));
        });
        return api;
    }
}
