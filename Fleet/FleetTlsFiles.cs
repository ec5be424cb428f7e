using OrleansCms.Security;

namespace OrleansCms.Fleet;

/// <summary>
/// The fleet CA and one certificate per member in a folder (<c>ca.pem</c>, <c>ca.key</c>, and <c>FILE.pem</c> /
/// <c>FILE.key</c> per <see cref="FleetIdentity.FileName"/>), made by <see cref="FleetCertificateAuthority"/>, and the
/// arguments that give them to a silo or an agent: mutual TLS on every Orleans connection of a fleet run.
/// </summary>
public sealed record FleetTlsFiles(string Folder)
{
    public string Ca => Path.Combine(Folder, "ca.pem");

    private string CaKey => Path.Combine(Folder, "ca.key");

    /// <summary>The settings that make a silo require mutual TLS with its certificate.</summary>
    public IReadOnlyList<string> SiloSettings(string name)
    {
        var silo = FleetIdentity.Silo(name);
        return [$"--Cms:Tls:CertificatePath={Certificate(silo)}", $"--Cms:Tls:KeyPath={Key(silo)}", $"--Cms:Tls:CaPath={Ca}"];
    }

    /// <summary>The options that make an agent (or its migrate command) connect over mutual TLS as <paramref name="member"/>.</summary>
    public IReadOnlyList<string> AgentOptions(FleetIdentity member) => ["--tls-cert", Certificate(member), "--tls-key", Key(member), "--tls-ca", Ca];

    /// <summary>Who a member of a fleet run is: a silo by its name, an agent by its ECU's MAC.</summary>
    public static FleetIdentity IdentityOf(MemberSpec member) =>
        member.Kind == MemberKind.Silo ? FleetIdentity.Silo(member.Name) : FleetIdentity.Ecu(member.Mac!);

    /// <summary>
    /// Makes the CA (once) and the certificates that are missing or name another identity (left by an older run);
    /// with a new CA, every certificate is issued again, since ones signed by a lost CA would be refused.
    /// </summary>
    public void Ensure(IEnumerable<FleetIdentity> members)
    {
        Directory.CreateDirectory(Folder);
        var fresh = !File.Exists(Ca) || !File.Exists(CaKey);
        using var authority = fresh ? FleetCertificateAuthority.Create() : FleetCertificateAuthority.Load(Ca, CaKey);
        if (fresh)
        {
            FleetCertificateAuthority.WritePem(authority.Root, Ca, CaKey);
        }

        foreach (var member in members.Distinct())
        {
            if (fresh || !IsCurrent(member))
            {
                using var issued = authority.Issue(member);
                FleetCertificateAuthority.WritePem(issued, Certificate(member), Key(member));
            }
        }
    }

    /// <summary>
    /// Issues <paramref name="member"/> a new certificate with a new key in place of its current one (a rotation, as
    /// after the old one was revoked); the old files are kept beside as <c>FILE.replaced-N.pem</c> / <c>.key</c>.
    /// </summary>
    public void Reissue(FleetIdentity member)
    {
        var kept = Enumerable.Range(1, int.MaxValue).First(n => !File.Exists(Replaced(member, n, "pem")));
        File.Move(Certificate(member), Replaced(member, kept, "pem"));
        File.Move(Key(member), Replaced(member, kept, "key"));
        using var authority = LoadAuthority();
        using var issued = authority.Issue(member);
        FleetCertificateAuthority.WritePem(issued, Certificate(member), Key(member));
    }

    /// <summary>The CA itself, with its key, to issue more certificates (tests and trials).</summary>
    public FleetCertificateAuthority LoadAuthority() => FleetCertificateAuthority.Load(Ca, CaKey);

    /// <summary>The certificates of <paramref name="member"/>, for a client that connects as it.</summary>
    public FleetCertificates Load(FleetIdentity member) => FleetCertificates.Load(Certificate(member), Key(member), Ca);

    /// <summary>A bearer token of the HTTP API for operator <paramref name="member"/> (see <see cref="OperatorTokenIssuer"/>).</summary>
    public string Token(FleetIdentity member, string role, TimeSpan lifetime)
    {
        using var certificates = Load(member);
        return OperatorTokenIssuer.Issue(certificates.Own, role, lifetime);
    }

    public string Certificate(FleetIdentity member) => Path.Combine(Folder, $"{member.FileName}.pem");

    public string Key(FleetIdentity member) => Path.Combine(Folder, $"{member.FileName}.key");

    private string Replaced(FleetIdentity member, int n, string extension) => Path.Combine(Folder, $"{member.FileName}.replaced-{n}.{extension}");

    private bool IsCurrent(FleetIdentity member)
    {
        if (!File.Exists(Certificate(member)) || !File.Exists(Key(member)))
        {
            return false;
        }

        try
        {
            using var certificates = Load(member);
            return FleetIdentity.Of(certificates.Own) == member;
        }
        catch (InvalidOperationException)
        {
            return false; // unreadable, or signed by another CA
        }
    }
}
