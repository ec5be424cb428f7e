using System.Net;
using System.Net.Sockets;
using OrleansCms.Ecus;
using OrleansCms.Security;

namespace OrleansCms.Agent;

/// <summary>
/// The agent's lease datagrams (<see cref="LeaseDatagram"/>): renewals sent over UDP to every gateway's port, and
/// the silos' signed answers, handed to <c>answered</c> with the send time they echo. It holds the lease
/// credentials of the current session and of the one before, so that an answer to a datagram sent just before a
/// session renewal still counts.
/// </summary>
internal sealed class LeaseDatagrams : IDisposable
{
    private readonly IReadOnlyList<IPEndPoint> _gateways;
    private readonly Dictionary<AddressFamily, Socket> _sockets = [];
    private readonly Action<LeaseRenewalReply, long> _answered;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private LeaseCredentials? _current;
    private LeaseCredentials? _previous;

    public LeaseDatagrams(IReadOnlyList<IPEndPoint> gateways, Action<LeaseRenewalReply, long> answered)
    {
        _gateways = gateways;
        _answered = answered;
        foreach (var family in gateways.Select(g => g.AddressFamily).Distinct())
        {
            var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            _sockets[family] = socket;
            _ = ReceiveAsync(socket, _stopping.Token);
        }
    }

    /// <summary>The lease credentials of the session whose heartbeat names them (see <see cref="EcuHeartbeat.LeaseTicketId"/>).</summary>
    public void Use(LeaseCredentials lease)
    {
        lock (_lock)
        {
            if (_current?.TicketId != lease.TicketId)
            {
                (_previous, _current) = (_current, lease);
            }
        }
    }

    /// <summary>Sends a renewal with <paramref name="sequence"/> and the send time <paramref name="echo"/> to every gateway; false before any session.</summary>
    public bool Send(long sequence, long echo)
    {
        var lease = _current;
        if (lease is null)
        {
            return false;
        }

        var datagram = LeaseDatagram.Request(lease, sequence, echo);
        foreach (var gateway in _gateways)
        {
            try
            {
                _sockets[gateway.AddressFamily].SendTo(datagram, gateway);
            }
            catch (SocketException)
            {
                // No route while the link is down: as lost as a datagram dropped on the way.
            }
        }

        return true;
    }

    private async Task ReceiveAsync(Socket socket, CancellationToken stopping)
    {
        var buffer = new byte[LeaseDatagram.MaxLength + 1];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stopping);
                if (LeaseDatagram.ReadReply(buffer.AsSpan(0, received.ReceivedBytes), KeyOf) is { } answer)
                {
                    _answered(answer.Reply, answer.Echo);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error for an earlier datagram: nothing to receive.
            }
        }
    }

    private byte[]? KeyOf(long ticketId)
    {
        lock (_lock)
        {
            return _current?.TicketId == ticketId ? _current.Key : _previous?.TicketId == ticketId ? _previous.Key : null;
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        foreach (var socket in _sockets.Values)
        {
            socket.Dispose();
        }
    }
}
