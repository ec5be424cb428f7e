using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansCms.Security;

namespace OrleansCms.Api.Operators;

/// <summary>
/// Who may use the HTTP API: ASP.NET Core's JWT bearer authentication over <see cref="OperatorTokens"/>, with the
/// signing key taken from the token's own certificate once the fleet CA vouches for it, and two policies:
/// <see cref="ReaderPolicy"/> for every <c>/api</c> endpoint and <see cref="OperatorPolicy"/> for those that change
/// something. Without TLS (a trial with <c>--plain</c>) there is no fleet CA, and the policies admit anyone.
/// </summary>
public static class OperatorAuthentication
{
    public const string ReaderPolicy = "cms-reader";

    public const string OperatorPolicy = "cms-operator";

    public static IServiceCollection AddCmsOperatorAuth(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<FleetTrust, RevokedCertificates>((options, trust, revoked) =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = OperatorTokens.Issuer,
                ValidAudience = OperatorTokens.Audience,
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                NameClaimType = JwtRegisteredClaimNames.Sub,
                RoleClaimType = OperatorTokens.RoleClaim,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                LifetimeValidator = (notBefore, expires, _, parameters) => WithinLifetime(notBefore, expires, parameters),
                IssuerSigningKeyResolver = (_, token, _, _) => SigningKeys(trust, revoked, token),
            };
        });

        services.AddSingleton<IAuthorizationHandler, FleetRoleHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy(ReaderPolicy, p => p.AddRequirements(new FleetRoleRequirement(OperatorTokens.Reader, OperatorTokens.Operator)))
            .AddPolicy(OperatorPolicy, p => p.AddRequirements(new FleetRoleRequirement(OperatorTokens.Operator)));
        return services;
    }

    private static bool WithinLifetime(DateTime? notBefore, DateTime? expires, TokenValidationParameters parameters)
    {
        var now = DateTime.UtcNow;
        return notBefore is { } from && expires is { } until
            && from - parameters.ClockSkew <= now && now < until + parameters.ClockSkew
            && until - from <= OperatorTokens.MaxLifetime;
    }

    /// <summary>
    /// The public key of the certificate in the token's <c>x5c</c> header, when the fleet CA issued it to an operator
    /// (a client certificate, valid now, not revoked) whose name is the token's subject; none otherwise, so the token is refused.
    /// </summary>
    private static IEnumerable<SecurityKey> SigningKeys(FleetTrust trust, RevokedCertificates revoked, SecurityToken token)
    {
        if (trust.Certificates is not { } fleet || token is not JsonWebToken jwt || FirstCertificate(jwt) is not { } der)
        {
            return [];
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return [];
        }

        using (certificate)
        {
            var identity = FleetIdentity.Of(certificate);
            if (identity is not { Role: FleetRole.Operator } || !fleet.IsClient(certificate) || revoked.IsRevoked(certificate)
                || !jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var subject) || subject != identity.ToString()
                || certificate.GetECDsaPublicKey() is not { } key)
            {
                return [];
            }

            return [new ECDsaSecurityKey(key)];
        }
    }

    private static byte[]? FirstCertificate(JsonWebToken jwt)
    {
        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedHeader));
            return header.RootElement.TryGetProperty("x5c", out var chain) && chain.ValueKind == JsonValueKind.Array
                && chain.GetArrayLength() > 0 && chain[0].ValueKind == JsonValueKind.String
                ? Convert.FromBase64String(chain[0].GetString()!)
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>Admits a caller whose token holds one of <see cref="Roles"/>.</summary>
public sealed record FleetRoleRequirement(params string[] Roles) : IAuthorizationRequirement;

/// <summary>Decides <see cref="FleetRoleRequirement"/>: by role under TLS; for anyone on a plain (trial) silo.</summary>
public sealed class FleetRoleHandler(FleetTrust trust) : AuthorizationHandler<FleetRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, FleetRoleRequirement requirement)
    {
        if (!trust.Enforced || requirement.Roles.Any(context.User.IsInRole))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
