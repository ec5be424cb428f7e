namespace OrleansCms.Security;

/// <summary>A call its caller may not make: refused before the grain runs it, so it changed nothing.</summary>
[GenerateSerializer, Alias("OrleansCms.AccessDeniedException")]
public sealed class AccessDeniedException(string message, bool noSession = false, bool revoked = false) : Exception(message)
{
    /// <summary>
    /// The call carried no session the silo accepts (none, expired, or sealed under a replaced cluster secret): a
    /// client that opens a new session may try again.
    /// </summary>
    [Id(0)]
    public bool NoSession { get; } = noSession;

    /// <summary>
    /// The caller's certificate was revoked: nothing it calls will be accepted again. An agent stops its programs and
    /// exits, as the CMS now handles its ECU as failed.
    /// </summary>
    [Id(1)]
    public bool Revoked { get; } = revoked;
}
