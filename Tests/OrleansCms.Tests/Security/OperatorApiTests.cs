using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansCms.Cli;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// The HTTP API over TLS silos: no token, a reader's, an operator's, and tokens that must be refused (signed by an
/// ECU's key, by another CA's operator, expired, too long-lived, with another subject); every operator action,
/// through HTTP or through an Orleans session, lands in the audit record with who, what, from where and how it ended.
/// </summary>
[Trait("Speed", "Process"), Collection(FleetTlsCollection.Name)]
public sealed class OperatorApiTests(FleetTlsCluster cluster)
{
    private Uri Api => cluster.Http.BaseAddress!;

    [Fact]
    public async Task WithoutAToken_TheApiIsClosed_HealthAndTheDashboardAreNot()
    {
        using var anonymous = new HttpClient { BaseAddress = Api };

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/ecus")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/api/ecus/{ClusterFixture.NewMac()}/failure", new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task AReader_Sees_ButItsActionsAreForbiddenAndNotRecordedAsDone()
    {
        var mac = ClusterFixture.NewMac();
        using var reader = Client(cluster.Certificates.Token(FleetTlsCluster.Operator, OperatorTokens.Reader, TimeSpan.FromMinutes(5)));

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/ecus")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync($"/api/ecus/{mac}/failure", new { reason = "reader" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync("/api/migrations", new { mac, programId = 0 })).StatusCode);

        Assert.DoesNotContain(await AuditAsync(reader), r => r.GetProperty("target").GetString()!.Contains(mac, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOperatorsAction_IsRecordedBeforeItRuns_WithWhoWhatWhereAndTheOutcome()
    {
        var mac = ClusterFixture.NewMac();
        using var operatorClient = Client(cluster.Certificates.Token(FleetTlsCluster.Operator, OperatorTokens.Operator, TimeSpan.FromMinutes(5)));

        var answer = await operatorClient.PostAsJsonAsync($"/api/ecus/{mac}/failure", new { reason = "audit test" });

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode); // an ECU that never registered
        var record = Assert.Single(await AuditAsync(operatorClient), r => r.GetProperty("target").GetString() == $"/api/ecus/{mac}/failure");
        Assert.Equal(FleetTlsCluster.Operator.ToString(), record.GetProperty("actor").GetString());
        Assert.Equal("declare-failed", record.GetProperty("action").GetString());
        Assert.Contains("audit test", record.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1:", record.GetProperty("origin").GetString(), StringComparison.Ordinal);
        Assert.Equal("404", record.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task AnOperatorsMigrationRequestThroughOrleans_IsRecordedToo()
    {
        var mac = ClusterFixture.NewMac();
        using var tls = cluster.Certificates.Load(FleetTlsCluster.Operator);
        using var host = CmsClientHost.Create(cluster.Gateways, cluster.ClusterId, "orleans-cms", tls, keepTrying: () => false).Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();

        await Assert.ThrowsAnyAsync<Exception>(() => client.GetGrain<IEcuSharedGrain>(mac).RequestMigrationAsync(3, null)); // unknown ECU

        using var reader = Client(cluster.Certificates.Token(FleetTlsCluster.Operator, OperatorTokens.Reader, TimeSpan.FromMinutes(5)));
        var record = Assert.Single(await AuditAsync(reader), r => r.GetProperty("target").GetString()!.Contains(mac, StringComparison.Ordinal));
        Assert.Equal(FleetTlsCluster.Operator.ToString(), record.GetProperty("actor").GetString());
        Assert.Equal("migrate", record.GetProperty("action").GetString());
        Assert.StartsWith("failed: ", record.GetProperty("outcome").GetString(), StringComparison.Ordinal);
        await host.StopAsync();
    }

    public static TheoryData<string> RefusedTokens => ["ecu-signed", "rogue-ca", "expired", "too-long", "other-subject", "no-certificate", "garbage"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task AForgedOrStaleToken_IsRefused(string kind)
    {
        var now = DateTime.UtcNow;
        cluster.RogueCertificates.Ensure([FleetTlsCluster.Operator]);
        var token = kind switch
        {
            "ecu-signed" => Sign(cluster.Certificates, FleetTlsCluster.EcuA, FleetTlsCluster.EcuA.ToString(), now, now.AddMinutes(5)),
            "rogue-ca" => Sign(cluster.RogueCertificates, FleetTlsCluster.Operator, FleetTlsCluster.Operator.ToString(), now, now.AddMinutes(5)),
            "expired" => Sign(cluster.Certificates, FleetTlsCluster.Operator, FleetTlsCluster.Operator.ToString(), now.AddHours(-2), now.AddHours(-1)),
            "too-long" => Sign(cluster.Certificates, FleetTlsCluster.Operator, FleetTlsCluster.Operator.ToString(), now, now.AddDays(8)),
            "other-subject" => Sign(cluster.Certificates, FleetTlsCluster.Operator, "operator:someone-else", now, now.AddMinutes(5)),
            "no-certificate" => Sign(cluster.Certificates, FleetTlsCluster.Operator, FleetTlsCluster.Operator.ToString(), now, now.AddMinutes(5), withCertificate: false),
            _ => "not.a.token",
        };
        using var client = Client(token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/ecus")).StatusCode);
    }

    [Fact]
    public void TheIssuer_SignsOnlyWithAnOperatorsCertificate_AndWithinTheLimits()
    {
        using var ecu = cluster.Certificates.Load(FleetTlsCluster.EcuA);
        using var ops = cluster.Certificates.Load(FleetTlsCluster.Operator);

        Assert.Contains("not an operator's certificate", Assert.Throws<ArgumentException>(() => OperatorTokenIssuer.Issue(ecu.Own, OperatorTokens.Operator, TimeSpan.FromHours(1))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OperatorTokenIssuer.Issue(ops.Own, "admin", TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentException>(() => OperatorTokenIssuer.Issue(ops.Own, OperatorTokens.Reader, TimeSpan.FromDays(8)));
        Assert.Throws<ArgumentException>(() => OperatorTokenIssuer.Issue(ops.Own, OperatorTokens.Reader, TimeSpan.Zero));
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = Api };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000")).EnumerateArray()];

    /// <summary>A token as the issuer makes one, but with any key, subject and lifetime: what an attacker could send.</summary>
    private static string Sign(FleetTlsFiles files, FleetIdentity signer, string subject, DateTime from, DateTime until, bool withCertificate = true)
    {
        using var certificates = files.Load(signer);
        using var key = certificates.Own.GetECDsaPrivateKey()!;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = OperatorTokens.Issuer,
            Audience = OperatorTokens.Audience,
            IssuedAt = from,
            NotBefore = from,
            Expires = until,
            Claims = new Dictionary<string, object> { ["sub"] = subject, [OperatorTokens.RoleClaim] = OperatorTokens.Operator },
            AdditionalHeaderClaims = withCertificate ? new Dictionary<string, object> { ["x5c"] = new[] { Convert.ToBase64String(certificates.Own.RawData) } } : null,
            // Not cached: the library would keep a signer bound to this key, which is disposed on return.
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256)
            {
                CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
            },
        });
    }
}
