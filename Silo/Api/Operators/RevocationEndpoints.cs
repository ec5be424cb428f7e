using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using OrleansCms.Security;

namespace OrleansCms.Api.Operators;

/// <summary>
/// <c>/api/revocations</c>: the fleet certificates the silos refuse. Revoking one ends, at its next call, every session
/// opened with it (an ECU's heartbeats are refused, so its lease lapses and it is handled as a failed ECU), refuses
/// new sessions and API tokens made with it, and is recorded in the audit log. A revocation cannot be taken back
/// through the API.
/// </summary>
public static partial class RevocationEndpoints
{
    private static readonly BodyExample Example = new("""{"certificate": "-----BEGIN CERTIFICATE-----...", "reason": "..."} or {"sha256": "AB:CD:...", "reason": "..."}""");

    public static IEndpointRouteBuilder MapRevocationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/revocations", (RevokedCertificates revoked, CancellationToken aborted) => revoked.ListAsync(aborted));

        app.MapPost("/api/revocations", async (RevocationRequest? request, RevokedCertificates revoked, FleetTrust trust, HttpContext http) =>
        {
            if (trust.Certificates is not { } fleet)
            {
                return Problems.Conflict("No fleet CA", "This CMS runs without TLS (a trial): it opens no sessions, so there is nothing to revoke.");
            }

            if (Target(request, fleet, out var sha256, out var subject) is { } problem)
            {
                return problem;
            }

            var recorded = await revoked.RevokeAsync(sha256, subject, request!.Reason is { Length: > 0 } reason ? reason : null,
                http.User.Identity?.Name ?? AuditFilter.Anonymous, http.RequestAborted);
            return Results.Ok(recorded);
        }).WithMetadata(Example).Audited("revoke");
        return app;
    }

    /// <summary>The fingerprint and subject the request names, or the problem with it.</summary>
    private static IResult? Target(RevocationRequest? request, FleetCertificates fleet, out string sha256, out string subject)
    {
        (sha256, subject) = ("", "");
        if (request is null || (request.Certificate is null) == (request.Sha256 is null))
        {
            return Problems.BadRequest("Malformed revocation", $"Name the certificate by exactly one of \"certificate\" (PEM) or \"sha256\" (its fingerprint), e.g. {Example.Json}.");
        }

        if (request.Sha256 is { } fingerprint)
        {
            var hex = fingerprint.Replace(":", "", StringComparison.Ordinal).Trim();
            if (!Sha256Hex().IsMatch(hex))
            {
                return Problems.BadRequest("Malformed fingerprint", $"'{fingerprint}' is not a SHA-256 fingerprint (64 hex digits, colons allowed), as `openssl x509 -noout -fingerprint -sha256 -in FILE` prints it.");
            }

            (sha256, subject) = (hex.ToLowerInvariant(), "(named by its fingerprint)");
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(request.Certificate);
        }
        catch (CryptographicException e)
        {
            return Problems.BadRequest("Malformed certificate", $"\"certificate\" must hold one PEM certificate: {e.Message}");
        }

        using (certificate)
        {
            if (!fleet.IsFleetMember(certificate))
            {
                return Problems.BadRequest("Not a fleet certificate", $"'{certificate.Subject}' is not a certificate of this fleet's CA that is valid now; the CMS refuses it anyway.");
            }

            if (FleetIdentity.Of(certificate) is not { Role: FleetRole.Ecu or FleetRole.Operator } identity || fleet.IsSilo(certificate))
            {
                return Problems.BadRequest("Not an ECU or operator certificate", $"'{certificate.Subject}' names no ECU or operator; silo links trust the fleet CA itself, so a silo's key is shut out by replacing the CA.");
            }

            (sha256, subject) = (RevokedCertificates.Fingerprint(certificate), identity.ToString());
            return null;
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}

/// <summary>Body of <c>POST /api/revocations</c>: the certificate (PEM) or its SHA-256 fingerprint, and why.</summary>
public sealed record RevocationRequest(string? Certificate, string? Sha256, string? Reason) : IRequestBody;
