namespace OrleansCms.Security;

/// <summary>
/// The fleet CA a silo checks session proofs against, or none on a silo without TLS (a trial), which then
/// authorizes nothing: every caller may call everything, as the silo's plain-transport warning says.
/// </summary>
public sealed class FleetTrust(FleetCertificates? certificates)
{
    public FleetCertificates? Certificates { get; } = certificates;

    /// <summary>True when every call from outside the silos must carry a session that admits it.</summary>
    public bool Enforced => Certificates is not null;
}
