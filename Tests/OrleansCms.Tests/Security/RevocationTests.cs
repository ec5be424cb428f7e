using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansCms.Ecus;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Revoking a fleet certificate through the API, over real TLS silos: the sessions already opened with it are refused at
/// their next call on every silo (the revoking one at once, the other within its refresh interval of 1 s), no new session
/// opens with it, an operator's API tokens signed with it are refused, others are unaffected, and the revocation is
/// recorded and listed.
/// </summary>
[Trait("Speed", "Process"), Collection(FleetTlsCollection.Name)]
public sealed class RevocationTests(FleetTlsCluster cluster)
{
    // The silos refresh every second (RevocationOptions' default); the margin is for a busy machine.
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ARevokedEcuCertificate_EndsItsSessionOnEverySilo_OpensNoNewOne_AndLeavesOtherEcusAlone()
    {
        using var revokedEcu = await cluster.ConnectNewEcuAsync();
        using var bystander = await cluster.ConnectNewEcuAsync();
        var (revoked, revokedTls) = (revokedEcu.Identity, revokedEcu.Tls);
        var heartbeatOfRevoked = Heartbeat(revokedEcu.Host, revoked);
        var heartbeatOfBystander = Heartbeat(bystander.Host, bystander.Identity);
        await heartbeatOfRevoked();
        await heartbeatOfBystander();

        using var operatorClient = Client(cluster.Certificates.Token(FleetTlsCluster.Operator, OperatorTokens.Operator, TimeSpan.FromMinutes(5)));
        var answer = await operatorClient.PostAsJsonAsync("/api/revocations",
            new { certificate = await File.ReadAllTextAsync(cluster.Certificates.Certificate(revoked)), reason = "key stolen" });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var recorded = await answer.Content.ReadFromJsonAsync<JsonElement>();
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(revokedTls.Own.RawData));
        Assert.Equal((fingerprint, revoked.ToString(), "key stolen", FleetTlsCluster.Operator.ToString()),
            (recorded.GetProperty("sha256").GetString(), recorded.GetProperty("subject").GetString(), recorded.GetProperty("reason").GetString(), recorded.GetProperty("revokedBy").GetString()));

        // The open session: its next calls are refused, whichever silo hosts the ECU's grain.
        var refusal = await Eventually.ReturnsAsync(() => Record.ExceptionAsync(heartbeatOfRevoked), e => e is not null, Propagation,
            "the revoked ECU's heartbeat is refused");
        Assert.True(Assert.IsType<AccessDeniedException>(refusal).Revoked, "the refusal does not say the certificate was revoked");
        Assert.Contains("revoked", refusal.Message, StringComparison.Ordinal);
        foreach (var silo in cluster.Gateways)
        {
            using var pinned = await cluster.ConnectAsync(revokedTls, gateway: silo, sessions: false);
            var error = await Eventually.ReturnsAsync(() => Record.ExceptionAsync(() => OpenSessionAsync(pinned, revokedTls)), e => e is not null, Propagation,
                $"the silo behind gateway {silo} refuses a new session of the revoked certificate");
            Assert.True(Assert.IsType<AccessDeniedException>(error).Revoked, "the session's refusal does not say the certificate was revoked");
            Assert.Contains("was revoked", error.Message, StringComparison.Ordinal);
        }

        await heartbeatOfBystander();
        var listed = await operatorClient.GetFromJsonAsync<JsonElement>("/api/revocations");
        Assert.Contains(listed.EnumerateArray(), r => r.GetProperty("sha256").GetString() == fingerprint);
        var audit = await operatorClient.GetFromJsonAsync<JsonElement>("/api/audit?limit=1000");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "revoke"
            && a.GetProperty("actor").GetString() == FleetTlsCluster.Operator.ToString() && a.GetProperty("outcome").GetString() == "200");
    }

    [Fact]
    public async Task ARevokedOperatorCertificate_ItsTokensAreRefused_AndMalformedRevocationsChangeNothing()
    {
        var leaver = FleetIdentity.Operator($"leaver-{Guid.NewGuid():N}"[..15]);
        cluster.Certificates.Ensure([leaver]);
        using var leaverClient = Client(cluster.Certificates.Token(leaver, OperatorTokens.Reader, TimeSpan.FromMinutes(5)));
        Assert.Equal(HttpStatusCode.OK, (await leaverClient.GetAsync("/api/ecus")).StatusCode);

        using var operatorClient = Client(cluster.Certificates.Token(FleetTlsCluster.Operator, OperatorTokens.Operator, TimeSpan.FromMinutes(5)));
        var before = await operatorClient.GetFromJsonAsync<JsonElement>("/api/revocations");
        object[] malformed =
        [
            new { sha256 = "not hex", reason = "x" },
            new { reason = "names nothing" },
            new { sha256 = new string('a', 64), certificate = "both" },
            new { certificate = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----" },
            new { certificate = await File.ReadAllTextAsync(cluster.Certificates.Certificate(FleetTlsCluster.Silo1)) },
            new { certificate = await File.ReadAllTextAsync(cluster.RogueCertificates.Certificate(FleetTlsCluster.EcuA)) },
        ];
        foreach (var body in malformed)
        {
            var refused = await operatorClient.PostAsJsonAsync("/api/revocations", body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(before.GetArrayLength(), (await operatorClient.GetFromJsonAsync<JsonElement>("/api/revocations")).GetArrayLength());
        Assert.Equal(HttpStatusCode.Forbidden, (await leaverClient.PostAsJsonAsync("/api/revocations", new { sha256 = new string('b', 64) })).StatusCode);

        // Named by its fingerprint as openssl prints it: upper case, colon-separated.
        using var leaverTls = cluster.Certificates.Load(leaver);
        var colons = string.Join(':', Convert.ToHexString(SHA256.HashData(leaverTls.Own.RawData)).Chunk(2).Select(pair => new string(pair)));
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsJsonAsync("/api/revocations", new { sha256 = colons, reason = "left the team" })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await leaverClient.GetAsync("/api/ecus")).StatusCode);
        using var freshToken = Client(cluster.Certificates.Token(leaver, OperatorTokens.Reader, TimeSpan.FromMinutes(5)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await freshToken.GetAsync("/api/ecus")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/api/ecus")).StatusCode);
    }

    private static Func<Task> Heartbeat(IHost host, FleetIdentity ecu)
    {
        var grain = host.Services.GetRequiredService<IClusterClient>().GetGrain<IEcuAgentGrain>(ecu.Name);
        var registered = false;
        return async () =>
        {
            if (!registered)
            {
                await grain.RegisterAsync(new EcuRegistration("revocation test", 1L << 30, 2));
                registered = true;
            }

            await grain.HeartbeatAsync(new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 1L << 30), []));
        };
    }

    private static async Task OpenSessionAsync(IHost host, FleetCertificates tls)
    {
        var sessions = host.Services.GetRequiredService<IClusterClient>().GetGrain<ISessionGrain>(0);
        var challenge = await sessions.ChallengeAsync();
        using var key = tls.Own.GetECDsaPrivateKey()!;
        await sessions.OpenAsync(new SessionProof(tls.Own.RawData, challenge, key.SignData(SessionProof.SignedBytes(challenge), HashAlgorithmName.SHA256)));
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = cluster.Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

}
