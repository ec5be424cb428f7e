namespace OrleansCms.Security;

/// <summary>
/// Who made a call, as its session token says: an ECU by MAC or an operator by name, and the SHA-256 of the
/// certificate the session was opened with (see <see cref="RevokedCertificates"/>).
/// </summary>
public sealed record CallerIdentity(FleetRole Role, string Subject, string CertificateSha256)
{
    public override string ToString() => $"{Role.ToString().ToLowerInvariant()}:{Subject}";
}
