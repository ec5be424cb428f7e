using System.Security.Cryptography;
using OrleansCms.Ecus;
using OrleansCms.Security;

namespace OrleansCms.Tests.Ecus;

/// <summary>
/// The wire form of lease datagrams: what a request and a reply carry, and that a changed byte, another key or an
/// unknown ticket makes them worthless; and the grain's gate, which lets only a fresh datagram of the announced ticket renew.
/// </summary>
public sealed class LeaseDatagramTests
{
    private static readonly LeaseCredentials Lease = new(42, RandomNumberGenerator.GetBytes(120), RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Request_ReadsBackTicketSequenceAndEcho_SignedByItsKeyOnly()
    {
        var datagram = LeaseDatagram.Request(Lease, sequence: 7, echo: 123456789);

        var request = LeaseDatagram.ReadRequest(datagram);

        Assert.NotNull(request);
        Assert.Equal(Lease.Ticket, request.Ticket);
        Assert.Equal((7L, 123456789L), (request.Sequence, request.Echo));
        Assert.True(LeaseDatagram.IsSignedBy(datagram, Lease.Key));
        Assert.False(LeaseDatagram.IsSignedBy(datagram, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public void Request_AnyByteChanged_IsNoLongerSigned()
    {
        var datagram = LeaseDatagram.Request(Lease, sequence: 7, echo: 1);
        for (var i = 0; i < datagram.Length; i++)
        {
            var changed = (byte[])datagram.Clone();
            changed[i] ^= 0x01;
            Assert.False(LeaseDatagram.ReadRequest(changed) is not null && LeaseDatagram.IsSignedBy(changed, Lease.Key), $"byte {i} changed and still signed");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(-1)]
    public void ReadRequest_TruncatedOrLengthened_IsNotARequest(int cut)
    {
        var datagram = LeaseDatagram.Request(Lease, sequence: 7, echo: 1);
        var other = cut switch
        {
            -1 => [.. datagram, 0],
            0 => [],
            _ => datagram[..cut],
        };

        Assert.Null(LeaseDatagram.ReadRequest(other));
    }

    [Fact]
    public void Reply_ReadBackWithTheTicketsKey_CarriesStatusRenewalAndEcho()
    {
        var request = LeaseDatagram.ReadRequest(LeaseDatagram.Request(Lease, sequence: 9, echo: 555))!;
        var sent = new LeaseRenewalReply(EcuStatus.Alive, Renewed: true, FailureEpoch: 3, TimeSpan.FromMilliseconds(2000));

        var datagram = LeaseDatagram.Reply(Lease.Key, Lease.TicketId, request, sent);

        var read = LeaseDatagram.ReadReply(datagram, id => id == Lease.TicketId ? Lease.Key : null);
        Assert.Equal((sent, 555L), read);
        Assert.Null(LeaseDatagram.ReadReply(datagram, _ => null));
        Assert.Null(LeaseDatagram.ReadReply(datagram, _ => RandomNumberGenerator.GetBytes(32)));
        for (var i = 0; i < datagram.Length; i++)
        {
            var changed = (byte[])datagram.Clone();
            changed[i] ^= 0x01;
            Assert.Null(LeaseDatagram.ReadReply(changed, id => id == Lease.TicketId ? Lease.Key : null));
        }
    }

    [Fact]
    public void Gate_BeforeAHeartbeatNamesTheTicket_AdmitsNothing()
    {
        var gate = new LeaseDatagramGate();

        Assert.False(gate.Admit(42, 1));
        Assert.False(gate.Admit(0, 1));
    }

    [Fact]
    public void Gate_AdmitsOnlyRisingSequencesOfTheNamedTicket()
    {
        var gate = new LeaseDatagramGate();
        gate.Heartbeat(ticketId: 42, sequence: 10);

        Assert.False(gate.Admit(42, 10)); // not newer than the heartbeat
        Assert.False(gate.Admit(43, 11)); // another ticket
        Assert.True(gate.Admit(42, 12));
        Assert.False(gate.Admit(42, 12)); // the same datagram again
        Assert.False(gate.Admit(42, 11)); // overtaken
        gate.Heartbeat(42, 11); // a heartbeat sent before the admitted datagram changes nothing
        Assert.True(gate.Admit(42, 13));
        gate.Heartbeat(42, 20);
        Assert.False(gate.Admit(42, 19));
    }

    [Fact]
    public void Gate_ANewTicket_StartsFromItsHeartbeat_AndEndsTheOldOne()
    {
        var gate = new LeaseDatagramGate();
        gate.Heartbeat(42, 1000);
        gate.Heartbeat(77, 3); // a restarted agent: its sequence starts again, under its new session's ticket

        Assert.True(gate.Admit(77, 4));
        Assert.False(gate.Admit(42, 2000));
        gate.Heartbeat(0, 5); // an agent without datagrams
        Assert.False(gate.Admit(77, 6));
        Assert.False(gate.Admit(0, 6));
    }
}
