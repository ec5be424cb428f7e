using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Orleans.Runtime.Messaging;
using OrleansCms.Ecus;
using OrleansCms.Security;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Mutual TLS among silos and from agents: TLS silos form a cluster, an agent with a fleet certificate
/// registers, and clients without a certificate or with one from another CA are refused.
/// </summary>
[Trait("Speed", "Process"), Collection(FleetTlsCollection.Name)]
public sealed class FleetTlsTests(FleetTlsCluster cluster)
{
    [Fact]
    public async Task TwoTlsSilos_FormOneCluster_AndAnAgentWithAFleetCertificateRegisters()
    {
        // A joining silo checks it can reach every active silo (over TLS here) before it becomes active.
        var view = await cluster.Http.GetFromJsonAsync<ClusterAnswer>("/api/cluster");
        Assert.Equal(2, view!.Silos.Count(s => s.Status == "Active"));

        var mac = FleetTlsCluster.EcuA.Name;
        var agent = cluster.StartAgent(mac,
            ["--cluster-id", cluster.ClusterId, "--ram-mb", "256", "--cpu-cores", "1", .. cluster.Certificates.AgentOptions(FleetTlsCluster.EcuA)]);
        await Eventually.TrueAsync(async () => await EcuStatusAsync(mac) == "Alive", TimeSpan.FromSeconds(60),
            $"the TLS agent registers{Environment.NewLine}{string.Join(Environment.NewLine, agent.Output.TakeLast(20))}");
        await Eventually.TrueAsync(async () => (await EcusAsync()).Contains(mac), TimeSpan.FromSeconds(10), "the fleet lists the TLS agent");
    }

    [Fact]
    public async Task AClientWithAFleetCertificate_Connects()
    {
        using var certificates = cluster.Certificates.Load(FleetTlsCluster.EcuB);
        using var host = await cluster.ConnectAsync(certificates);
        var view = await host.Services.GetRequiredService<IClusterClient>().GetGrain<IEcuSharedGrain>(FleetTlsCluster.EcuB.Name).GetAsync();
        Assert.Equal(EcuStatus.Unknown, view.Status);
    }

    [Fact]
    public async Task AClientWithACertificateFromAnotherCa_IsRefusedByTheSilo()
    {
        using var fleet = cluster.Certificates.Load(FleetTlsCluster.EcuA);
        using var rogue = cluster.RogueCertificates.Load(FleetTlsCluster.EcuA);
        (await ConnectTrustingAnySiloAsync(fleet)).Dispose(); // the same client with a fleet certificate gets in
        await RefusedAsync<OperationCanceledException>(() => ConnectTrustingAnySiloAsync(rogue));
    }

    [Fact]
    public async Task AClientOverTlsWithoutACertificate_IsRefusedByTheSilo() =>
        await RefusedAsync<OperationCanceledException>(() => ConnectTrustingAnySiloAsync(null));

    [Fact]
    public async Task AClientWithoutTls_IsRefused()
    {
        var error = await RefusedAsync<ConnectionFailedException>(() => cluster.ConnectAsync(null));
        AssertNoGatewayLetIn(error);
    }

    [Fact]
    public async Task AClientOfTheFleet_RefusesASiloOfAnotherCa()
    {
        // The same client code, trusting only the rogue CA: the fleet's silos are then the strangers.
        using var rogue = cluster.RogueCertificates.Load(FleetTlsCluster.EcuA);
        var error = await RefusedAsync<ConnectionFailedException>(() => cluster.ConnectAsync(rogue));
        AssertNoGatewayLetIn(error);
    }

    [Fact]
    public async Task AClientShowingASiloCertificate_IsRefusedByTheGateway()
    {
        // A silo's key may serve TLS and join the cluster, but it does not make its holder an ECU.
        using var silo = cluster.Certificates.Load(FleetTlsCluster.Silo1);
        await RefusedAsync<OperationCanceledException>(() => ConnectTrustingAnySiloAsync(silo));
    }

    [Fact]
    public void FleetCertificates_TellSiloCertificatesFromClientOnes()
    {
        using var ecu = cluster.Certificates.Load(FleetTlsCluster.EcuA);
        using var silo = cluster.Certificates.Load(FleetTlsCluster.Silo1);
        using var rogue = cluster.RogueCertificates.Load(FleetTlsCluster.EcuA);

        Assert.Equal((true, false), (ecu.IsSilo(silo.Own), ecu.IsClient(silo.Own)));
        Assert.Equal((false, true), (silo.IsSilo(ecu.Own), silo.IsClient(ecu.Own)));
        Assert.Equal((false, false), (ecu.IsSilo(rogue.Own), ecu.IsClient(rogue.Own)));
    }

    [Fact]
    public void FleetCertificates_AcceptOnlyCertificatesSignedByTheFleetCa()
    {
        using var fleet = cluster.Certificates.Load(FleetTlsCluster.EcuA);
        using var rogue = cluster.RogueCertificates.Load(FleetTlsCluster.EcuA);
        Assert.True(fleet.IsFleetMember(fleet.Own));
        Assert.False(fleet.IsFleetMember(rogue.Own));
        Assert.False(fleet.IsFleetMember(rogue.Ca));
        var error = Assert.Throws<InvalidOperationException>(() => FleetCertificates.Load(
            cluster.RogueCertificates.Certificate(FleetTlsCluster.EcuA), cluster.RogueCertificates.Key(FleetTlsCluster.EcuA), cluster.Certificates.Ca));
        Assert.Contains("not signed by the fleet CA", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Requires the client's start to fail with <typeparamref name="TError"/> (a client refused by the silo under
    /// TLS 1.3 keeps retrying until its 4 s are up), and the fleet to be as it was: both silos active, no ECU added.
    /// </summary>
    private async Task<TError> RefusedAsync<TError>(Func<Task<IHost>> connect)
        where TError : Exception
    {
        var before = await EcusAsync();
        var error = await Assert.ThrowsAnyAsync<TError>(async () => (await connect()).Dispose());
        var view = await cluster.Http.GetFromJsonAsync<ClusterAnswer>("/api/cluster");
        Assert.Equal(2, view!.Silos.Count(s => s.Status == "Active"));
        Assert.Equal(before, await EcusAsync());
        return error;
    }

    /// <summary>Every gateway was tried and each connection failed (closed by the silo, or aborted by the client's TLS).</summary>
    private void AssertNoGatewayLetIn(ConnectionFailedException error)
    {
        Assert.StartsWith($"Unable to connect to any of the {cluster.GatewayPorts.Count} available gateways", error.Message, StringComparison.Ordinal);
        Assert.Contains(Causes(error), e => e is ConnectionFailedException && e.Message.StartsWith("Unable to connect to endpoint", StringComparison.Ordinal));
    }

    private async Task<string[]> EcusAsync() =>
        [.. (await cluster.Http.GetFromJsonAsync<EcuAnswer[]>("/api/ecus?all=true"))!.Select(e => e.Mac).Order()];

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
    /// <summary>
    /// A client that accepts any silo certificate and shows <paramref name="own"/> (or none), so that a refusal
    /// can only come from the silo's side. Under TLS 1.3 the client finishes its handshake before the silo
    /// judges its certificate, so a refused client sees its connections dropped and keeps retrying for minutes:
    /// it gets 4 s (the same client with a fleet certificate connects in about a second).
    /// </summary>
    private async Task<IHost> ConnectTrustingAnySiloAsync(FleetCertificates? own)
    {
        var host = Host.CreateApplicationBuilder();
        host.UseOrleansClient(client => client
            .UseTls(tls =>
            {
                tls.LocalCertificate = own?.Own;
                tls.ClientCertificateMode = own is null ? RemoteCertificateMode.NoCertificate : RemoteCertificateMode.RequireCertificate;
                tls.AllowAnyRemoteCertificate();
            })
            .UseStaticClustering([.. cluster.GatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p))])
            .Configure<ClusterOptions>(o => { o.ClusterId = cluster.ClusterId; o.ServiceId = "orleans-cms"; })
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var built = host.Build();
        try
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(4));
            await built.StartAsync(patience.Token);
            return built;
        }
        catch
        {
            built.Dispose();
            throw;
        }
    }

    private async Task<string?> EcuStatusAsync(string mac)
    {
        var answer = await cluster.Http.GetAsync($"/api/ecus/{mac}");
        return answer.IsSuccessStatusCode ? (await answer.Content.ReadFromJsonAsync<EcuAnswer>())!.Status : null;
    }

    private sealed record ClusterAnswer(SiloAnswer[] Silos);

    private sealed record SiloAnswer(string Name, string Status);

    private sealed record EcuAnswer(string Mac, string Status);
}
