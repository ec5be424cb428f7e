using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography.X509Certificates;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Security;
using OrleansCms.Standby;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// The silos' authorization over real TLS silos: an agent holding ECU C's certificate tries every operation on
/// ECU D that an ECU must not do; each is refused with <see cref="AccessDeniedException"/> and leaves PostgreSQL as it
/// was, while D's own client does the same things. Operators cannot act as an ECU, and a client without a
/// session can do nothing.
/// </summary>
[Trait("Speed", "Process"), Collection(FleetTlsCollection.Name)]
public sealed class AgentAuthorizationTests(FleetTlsCluster cluster)
{
    [Fact]
    public async Task AnEcu_CannotActOnAnotherEcu_AndItsRefusedCallsChangeNothing()
    {
        var (attacker, victim) = (FleetIdentity.Ecu(ClusterFixture.NewMac()), FleetIdentity.Ecu(ClusterFixture.NewMac()));
        cluster.Certificates.Ensure([attacker, victim]);
        using var attackerTls = cluster.Certificates.Load(attacker);
        using var victimTls = cluster.Certificates.Load(victim);
        using var attackerHost = await cluster.ConnectAsync(attackerTls);
        using var victimHost = await cluster.ConnectAsync(victimTls);
        var mine = attackerHost.Services.GetRequiredService<IClusterClient>();
        var theirs = victimHost.Services.GetRequiredService<IClusterClient>();

        // The victim checkpoints a program through its own session: the CMS stores it.
        var key = new CheckpointKey(victim.Name, 0);
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: 17), version: 1);
        // Orleans holds a client's observer only weakly: the test keeps its own reference until the end, or a GC
        // collects the chunk source and the CMS's pulls go unanswered.
        var chunks = new RecordingChunkSource(checkpoint.Chunks);
        var source = theirs.CreateObjectReference<IChunkSource>(chunks);
        Assert.True((await theirs.GetGrain<ICheckpointAgentGrain>(key.ToString()).OfferAsync(checkpoint.Manifest, source)).IsAcknowledged);
        var before = await SnapshotAsync(victim.Name);

        var ecu = victim.Name;
        var agent = mine.CreateObjectReference<IEcuAgent>(new IdleAgent());
        var forged = new ReadGrant(attacker.Name, key, 1, DateTimeOffset.UtcNow.AddMinutes(5), new byte[32]);
        var refusals = new (string What, Func<Task> Call)[]
        {
            ("register", () => mine.GetGrain<IEcuAgentGrain>(ecu).RegisterAsync(new EcuRegistration("impostor", 1L << 30, 2))),
            ("heartbeat", () => mine.GetGrain<IEcuAgentGrain>(ecu).HeartbeatAsync(new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 1L << 30), []))),
            ("crash report", () => mine.GetGrain<IEcuAgentGrain>(ecu).ReportCrashAsync(0, "fake crash")),
            ("observer attach", () => mine.GetGrain<IEcuAgentGrain>(ecu).AttachAgentAsync(agent)),
            ("program end", () => mine.GetGrain<IEcuAgentGrain>(ecu).EndProgramAsync(0, ProgramEntryStatus.Stopped, "forged")),
            ("offer", () => mine.GetGrain<ICheckpointAgentGrain>(key.ToString()).OfferAsync(checkpoint.Manifest with { Version = 2 }, source)),
            ("offer with chunks attached", () => mine.GetGrain<ICheckpointAgentGrain>(key.ToString()).OfferAttachedAsync(
                checkpoint.Manifest with { Version = 2 }, [.. checkpoint.Chunks.Values], source)),
            ("claim", () => mine.GetGrain<ICheckpointGrain>(key.ToString()).ClaimAsync("impostor")),
            ("stream read", () => ReadAllAsync(mine.GetGrain<ICheckpointGrain>(key.ToString()).ReadChunksAsync(1))),
            ("read with a forged grant", () => mine.GetGrain<IRestoreSourceGrain>(key.ToString()).ReadGrantedAsync(forged, 0, 1)),
            ("read of its versions", () => mine.GetGrain<ICheckpointGrain>(key.ToString()).GetVersionsAsync()),
            ("view", () => mine.GetGrain<IEcuSharedGrain>(ecu).GetAsync()),
            ("migration request", () => mine.GetGrain<IEcuSharedGrain>(ecu).RequestMigrationAsync(0, null)),
            ("failure declaration", () => mine.GetGrain<IEcuGrain>(ecu).DeclareFailedAsync("forged")),
            ("retirement", () => mine.GetGrain<IEcuGrain>(ecu).RetireAsync("forged")),
            ("restoration start", () => mine.GetGrain<IRestorationGrain>($"forged-{ecu}").StartAsync(
                new RestorationRequest(RestorationKind.Failure, ecu, [], "forged"))),
            ("fleet listing", () => mine.GetGrain<IFleetGrain>(0).ListAsync()),
        };
        foreach (var (what, call) in refusals)
        {
            var refused = await Record.ExceptionAsync(call);
            Assert.True(refused is AccessDeniedException { Revoked: false }, $"the {what} was not refused (as not revoked): {refused?.GetType().Name ?? "it succeeded"} {refused?.Message}");
        }

        Assert.Equal(before, await SnapshotAsync(victim.Name));
        // Not a blanket refusal: the victim reads its own view, and the attacker registers as itself.
        Assert.Equal(EcuStatus.Unknown, (await theirs.GetGrain<IEcuSharedGrain>(ecu).GetAsync()).Status);
        Assert.Equal(EcuStatus.Alive, (await mine.GetGrain<IEcuAgentGrain>(attacker.Name).RegisterAsync(new EcuRegistration("attacker", 1L << 30, 2))).Status);
        GC.KeepAlive(chunks);
    }

    [Fact]
    public async Task AnOperator_CannotActAsAnEcu_ButSeesTheFleet()
    {
        var ecu = FleetIdentity.Ecu(ClusterFixture.NewMac());
        using var operatorTls = cluster.Certificates.Load(FleetTlsCluster.Operator);
        using var host = await cluster.ConnectAsync(operatorTls);
        var client = host.Services.GetRequiredService<IClusterClient>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => client.GetGrain<IEcuAgentGrain>(ecu.Name).RegisterAsync(new EcuRegistration("forged", 1L << 30, 2)));
        await Assert.ThrowsAsync<AccessDeniedException>(() => client.GetGrain<IEcuAgentGrain>(ecu.Name).HeartbeatAsync(new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 1L << 30), [])));
        Assert.Equal(EcuStatus.Unknown, (await client.GetGrain<IEcuSharedGrain>(ecu.Name).GetAsync()).Status);
        Assert.DoesNotContain(ecu.Name, await client.GetGrain<IFleetGrain>(0).ListAsync());
    }

    [Fact]
    public async Task AClientWithoutASession_IsRefusedEverything_AndCannotOpenOneWithAnotherKey()
    {
        // The TLS handshake passes (a fleet certificate), but no session goes with the calls.
        using var tls = cluster.Certificates.Load(FleetTlsCluster.EcuB);
        using var host = await cluster.ConnectAsync(tls, sessions: false);
        var client = host.Services.GetRequiredService<IClusterClient>();
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => client.GetGrain<IEcuSharedGrain>(FleetTlsCluster.EcuB.Name).GetAsync());
        Assert.Contains("no valid session", refused.Message, StringComparison.Ordinal);

        // A proof signed with another key than the certificate's, or for a certificate of another CA, opens nothing.
        var sessions = client.GetGrain<ISessionGrain>(0);
        using var rogue = cluster.RogueCertificates.Load(FleetTlsCluster.EcuA);
        using var other = cluster.Certificates.Load(FleetTlsCluster.EcuA);
        var challenge = await sessions.ChallengeAsync();
        using var otherKey = other.Own.GetECDsaPrivateKey()!;
        var wrongKey = otherKey.SignData(SessionProof.SignedBytes(challenge), System.Security.Cryptography.HashAlgorithmName.SHA256);
        var error = await Assert.ThrowsAsync<AccessDeniedException>(() => sessions.OpenAsync(new SessionProof(tls.Own.RawData, challenge, wrongKey)));
        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
        using var rogueKey = rogue.Own.GetECDsaPrivateKey()!;
        var rogueProof = rogueKey.SignData(SessionProof.SignedBytes(challenge), System.Security.Cryptography.HashAlgorithmName.SHA256);
        error = await Assert.ThrowsAsync<AccessDeniedException>(() => sessions.OpenAsync(new SessionProof(rogue.Own.RawData, challenge, rogueProof)));
        Assert.Contains("not a client certificate of the fleet CA", error.Message, StringComparison.Ordinal);
        var forgedChallenge = challenge.ToArray();
        forgedChallenge[^1] ^= 1;
        error = await Assert.ThrowsAsync<AccessDeniedException>(() => sessions.OpenAsync(new SessionProof(tls.Own.RawData, forgedChallenge, wrongKey)));
        Assert.Contains("challenge", error.Message, StringComparison.Ordinal);
    }

    /// <summary>What the rows of ECU <paramref name="mac"/>'s grains and the chunk tables hold now.</summary>
    private Task<string> SnapshotAsync(string mac) => cluster.Database.ScalarAsync<string>("""
        SELECT concat_ws(' | ',
            (SELECT count(*) || ':' || coalesce(md5(string_agg(grainidextensionstring || '@' || version, ',' ORDER BY grainidextensionstring)), '')
               FROM orleansstorage WHERE grainidextensionstring LIKE '%' || $1 || '%'),
            (SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1 || '%'),
            (SELECT count(*) FROM cms_chunks),
            (SELECT count(*) FROM cms_chunk_refs))
        """, mac);


    private static async Task ReadAllAsync(IAsyncEnumerable<ChunkData> chunks)
    {
        await foreach (var _ in chunks)
        {
        }
    }

    /// <summary>An observer that never gets a command (its attachment is refused).</summary>
    private sealed class IdleAgent : IEcuAgent
    {
        public Task<RestoreResult> RestoreAsync(RestoreCommand command) => throw new NotSupportedException();

        public Task StopProgramAsync(StopCommand command) => throw new NotSupportedException();

        public Task<long> CheckpointNowAsync(int programId) => throw new NotSupportedException();

        public Task<StandbyAnswer> KeepStandbyAsync(StandbyUpdate update) => Task.FromResult(new StandbyAnswer(false, []));

        public Task DropStandbyAsync(CheckpointKey source) => Task.CompletedTask;
    }
}
