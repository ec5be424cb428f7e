using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansCms.Security;

namespace OrleansCms.Fleet;

/// <summary>Mints the HTTP API's bearer tokens (<see cref="OperatorTokens"/>) with an operator's certificate and key.</summary>
public static class OperatorTokenIssuer
{
    /// <summary>
    /// A token for <paramref name="role"/> that lasts <paramref name="lifetime"/>; an <see cref="ArgumentException"/>
    /// when the certificate names no operator, has no ECDSA key, or the role or lifetime is not accepted by silos.
    /// </summary>
    public static string Issue(X509Certificate2 certificate, string role, TimeSpan lifetime, TimeProvider? clock = null)
    {
        if (FleetIdentity.Of(certificate) is not { Role: FleetRole.Operator } identity)
        {
            throw new ArgumentException($"'{certificate.Subject}' is not an operator's certificate (operator:NAME); only operators hold API tokens.");
        }

        if (!OperatorTokens.IsRole(role))
        {
            throw new ArgumentException($"the role is {OperatorTokens.Reader} or {OperatorTokens.Operator}, not '{role}'.");
        }

        if (lifetime <= TimeSpan.Zero || lifetime > OperatorTokens.MaxLifetime)
        {
            throw new ArgumentException($"a token lasts more than nothing and at most {OperatorTokens.MaxLifetime.TotalHours:0} hours, not {lifetime.TotalHours:0.##}.");
        }

        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"the certificate of {identity} comes without its ECDSA private key.");
        var now = (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = OperatorTokens.Issuer,
            Audience = OperatorTokens.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = identity.ToString(),
                [OperatorTokens.RoleClaim] = role,
            },
            AdditionalHeaderClaims = new Dictionary<string, object> { ["x5c"] = new[] { Convert.ToBase64String(certificate.RawData) } },
            // Not cached: the library would keep a signer bound to this key, which is disposed on return.
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256)
            {
                CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
            },
        });
    }
}
