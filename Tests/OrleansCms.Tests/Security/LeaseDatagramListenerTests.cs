using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using OrleansCms.Ecus;
using OrleansCms.Security;

namespace OrleansCms.Tests.Security;

/// <summary>
/// Lease datagrams against real TLS silos, over UDP on their gateway ports: a fresh datagram of the ticket the ECU's
/// session issued renews its lease through either silo and is answered, signed; a repeat is answered without
/// renewing; a datagram with a wrong tag, a made-up ticket or a ticket of another ECU's session whose heartbeats do
/// not name it is dropped unanswered.
/// </summary>
[Trait("Speed", "Process"), Collection(FleetTlsCollection.Name)]
public sealed class LeaseDatagramListenerTests(FleetTlsCluster cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AFreshDatagram_RenewsTheLeaseThroughEitherSilo_ARepeatRenewsNothing_AForgeryIsDropped()
    {
        using var ecu = await cluster.ConnectNewEcuAsync();
        using var other = await cluster.ConnectNewEcuAsync();
        var lease = await LeaseOfAsync(ecu);
        var otherLease = await LeaseOfAsync(other);
        var grain = ecu.Host.Services.GetRequiredService<IClusterClient>().GetGrain<IEcuGrain>(ecu.Identity.Name);
        await grain.RegisterAsync(new EcuRegistration("datagram test", 1L << 30, 2));
        await grain.HeartbeatAsync(new EcuHeartbeat(new EcuMetrics(0.1, 1L << 20, 1L << 30), [], Sequence: 10, LeaseTicketId: lease.TicketId));
        using var udp = new UdpClient(AddressFamily.InterNetwork);

        var sequence = 10L;
        foreach (var silo in cluster.Gateways)
        {
            var before = (await grain.GetAsync()).LastHeartbeat;
            var answer = await ExchangeAsync(udp, silo, LeaseDatagram.Request(lease, ++sequence, echo: sequence * 1000), lease);
            Assert.Equal((EcuStatus.Alive, true, sequence * 1000), (answer.Reply.Status, answer.Reply.Renewed, answer.Echo));
            Assert.Equal(TimeSpan.FromSeconds(2), answer.Reply.Lease);
            Assert.True((await grain.GetAsync()).LastHeartbeat > before, $"the datagram through {silo} did not renew the lease");
        }

        var silo1 = cluster.Gateways[0];
        var repeat = LeaseDatagram.Request(lease, sequence, echo: 1);
        var repeated = await ExchangeAsync(udp, silo1, repeat, lease);
        Assert.Equal((EcuStatus.Alive, false), (repeated.Reply.Status, repeated.Reply.Renewed));

        // Each forgery is followed by a genuine datagram: the first answer that comes is the genuine one's (echo -1),
        // because a silo drops a forgery before it reads the next datagram.
        var wrongTag = LeaseDatagram.Request(lease, ++sequence, echo: 2);
        wrongTag[^1] ^= 0x01;
        var madeUpTicket = LeaseDatagram.Request(lease with { Ticket = RandomNumberGenerator.GetBytes(lease.Ticket.Length) }, ++sequence, echo: 3);
        var otherKey = LeaseDatagram.Request(lease with { Key = otherLease.Key }, ++sequence, echo: 4);
        foreach (var forged in new[] { wrongTag, madeUpTicket, otherKey })
        {
            await udp.SendAsync(forged, silo1);
            var next = await ExchangeAsync(udp, silo1, LeaseDatagram.Request(lease, ++sequence, echo: -1), lease);
            Assert.Equal((true, -1L), (next.Reply.Renewed, next.Echo));
        }

        // The other ECU's own ticket is genuine, but the other ECU's heartbeats never named it: its datagrams renew nothing.
        var notNamed = await ExchangeAsync(udp, silo1, LeaseDatagram.Request(otherLease, 100, echo: 5), otherLease);
        Assert.Equal((EcuStatus.Unknown, false), (notNamed.Reply.Status, notNamed.Reply.Renewed));
    }

    private static async Task<LeaseCredentials> LeaseOfAsync(ConnectedEcu ecu)
    {
        var ticket = await ecu.Host.Services.GetRequiredService<CallerSession>().TicketAsync(ecu.Tls.Own);
        Assert.Equal(FleetRole.Ecu, ticket.Role);
        return Assert.IsType<LeaseCredentials>(ticket.Lease);
    }

    private static async Task<(LeaseRenewalReply Reply, long Echo)> ExchangeAsync(UdpClient udp, IPEndPoint silo, byte[] datagram, LeaseCredentials lease)
    {
        await udp.SendAsync(datagram, silo);
        using var timeout = new CancellationTokenSource(Patience);
        var received = await udp.ReceiveAsync(timeout.Token);
        Assert.Equal(silo, received.RemoteEndPoint);
        var answer = LeaseDatagram.ReadReply(received.Buffer, id => id == lease.TicketId ? lease.Key : null);
        Assert.NotNull(answer);
        return answer.Value;
    }
}
