namespace OrleansCms.Security;

/// <summary>
/// The bearer tokens of the HTTP API: JWTs (ES256) that an operator signs with the key of its fleet certificate
/// (<c>operator:NAME</c>), which travels in the token's <c>x5c</c> header. A silo trusts a token when the fleet CA
/// signed that certificate, the certificate names the token's subject, and the token is unexpired; no secret is
/// shared, and holding the operator's key is what lets one mint a token.
/// </summary>
public static class OperatorTokens
{
    public const string Issuer = "orleans-cms-operator";

    public const string Audience = "orleans-cms-api";

    /// <summary>The claim that holds the token's role: <see cref="Reader"/> or <see cref="Operator"/>.</summary>
    public const string RoleClaim = "role";

    /// <summary>Sees the fleet, restorations, checkpoints and the audit record.</summary>
    public const string Reader = "reader";

    /// <summary>Also declares failures, retires ECUs and requests migrations.</summary>
    public const string Operator = "operator";

    /// <summary>The longest life a silo accepts: a leaked token is useful for at most this long.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public static bool IsRole(string? role) => role is Reader or Operator;
}
