using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Tests.Security;

/// <summary>The identity a fleet certificate names, and the certificates the fleet CA issues for it.</summary>
public sealed class FleetIdentityTests
{
    [Theory]
    [InlineData("ecu:02-00-00-00-00-0A", FleetRole.Ecu, "02:00:00:00:00:0a", "ecu-02000000000a")]
    [InlineData("operator:ops", FleetRole.Operator, "ops", "operator-ops")]
    [InlineData("silo:silo-1", FleetRole.Silo, "silo-1", "silo-1")]
    public void AnIdentity_ParsesToItsRoleAndCanonicalName(string text, FleetRole role, string name, string file)
    {
        var identity = FleetIdentity.Parse(text);
        Assert.Equal((role, name, file), (identity.Role, identity.Name, identity.FileName));
        Assert.Equal(identity, FleetIdentity.Parse(identity.ToString()));
    }

    [Theory]
    [InlineData("ecu")]
    [InlineData("ecu:not-a-mac")]
    [InlineData("operator:")]
    [InlineData("operator:a b")]
    [InlineData("root:x")]
    public void AnythingElse_IsNoIdentity(string text)
    {
        Assert.False(FleetIdentity.TryParse(text, out _));
        Assert.Throws<ArgumentException>(() => FleetIdentity.Parse(text));
    }

    [Fact]
    public void TheCa_IssuesCertificatesThatNameTheirIdentity_AndOnlySilosMayServe()
    {
        using var authority = FleetCertificateAuthority.Create();
        var folder = Directory.CreateTempSubdirectory("cms-identity-").FullName;
        try
        {
            var files = new FleetTlsFiles(folder);
            var (ecu, silo) = (FleetIdentity.Ecu("02:00:00:00:00:0b"), FleetIdentity.Silo("silo-9"));
            files.Ensure([ecu, silo]);
            using var ecuCertificates = files.Load(ecu);
            using var siloCertificates = files.Load(silo);
            Assert.Equal(ecu, FleetIdentity.Of(ecuCertificates.Own));
            Assert.Equal(silo, FleetIdentity.Of(siloCertificates.Own));
            Assert.True(ecuCertificates.IsClient(ecuCertificates.Own));
            Assert.True(ecuCertificates.IsSilo(siloCertificates.Own));
            Assert.False(ecuCertificates.IsSilo(ecuCertificates.Own));
            Assert.False(ecuCertificates.IsFleetMember(authority.Issue(ecu))); // another CA's, under the same name

            // A later run keeps what is current, and issues again what names another identity.
            var before = File.ReadAllText(files.Certificate(ecu));
            files.Ensure([ecu]);
            Assert.Equal(before, File.ReadAllText(files.Certificate(ecu)));
            File.Copy(files.Certificate(silo), files.Certificate(ecu), overwrite: true);
            File.Copy(files.Key(silo), files.Key(ecu), overwrite: true);
            files.Ensure([ecu]);
            using var reissued = files.Load(ecu);
            Assert.Equal(ecu, FleetIdentity.Of(reissued.Own));
            Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(files.Key(ecu)) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), "keys are private");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Reissue_GivesTheSameIdentityANewKey_AndKeepsTheReplacedFilesBeside()
    {
        var folder = Directory.CreateTempSubdirectory("cms-reissue-").FullName;
        try
        {
            var files = new FleetTlsFiles(folder);
            var ecu = FleetIdentity.Ecu("02:00:00:00:00:2a");
            files.Ensure([ecu]);
            var (oldCertificate, oldKey) = (File.ReadAllText(files.Certificate(ecu)), File.ReadAllText(files.Key(ecu)));

            files.Reissue(ecu);
            files.Reissue(ecu);

            using var current = files.Load(ecu);
            Assert.Equal(ecu, FleetIdentity.Of(current.Own));
            Assert.True(current.IsClient(current.Own));
            Assert.NotEqual(oldKey, File.ReadAllText(files.Key(ecu)));
            Assert.Equal(oldCertificate, File.ReadAllText(Path.Combine(folder, $"{ecu.FileName}.replaced-1.pem")));
            Assert.Equal(oldKey, File.ReadAllText(Path.Combine(folder, $"{ecu.FileName}.replaced-1.key")));
            Assert.True(File.Exists(Path.Combine(folder, $"{ecu.FileName}.replaced-2.pem")));
            Assert.NotEqual(File.ReadAllText(Path.Combine(folder, $"{ecu.FileName}.replaced-2.pem")), File.ReadAllText(files.Certificate(ecu)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
