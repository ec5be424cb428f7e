using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCms.Security;

namespace OrleansCms.Ecus;

/// <summary>
/// Receives lease datagrams (<see cref="LeaseDatagram"/>) on the gateway's address and port, over UDP, once the silo
/// is active. A datagram renews a lease only when its ticket opens under this cluster's secret, is not expired, was
/// issued for a certificate that is not revoked, and its tag is that ticket's key's; everything else is dropped
/// unanswered. Then the ECU's grain decides (<see cref="LeaseDatagramGate"/>) and the silo answers the sender.
/// Runs only where sessions are enforced (with TLS): without a fleet CA there are no tickets.
/// </summary>
public sealed partial class LeaseDatagramListener(
    IOptions<EndpointOptions> endpoints,
    IOptions<LivenessOptions> liveness,
    FleetTrust trust,
    LeaseTickets tickets,
    RevokedCertificates revoked,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<LeaseDatagramListener> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // Datagrams are handled concurrently up to this many; beyond it they are dropped, as the network would.
    private const int MaxInFlight = 256;

    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task _receiving = Task.CompletedTask;
    private int _inFlight;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(LeaseDatagramListener), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        var gateway = endpoints.Value.GatewayListeningEndpoint
            ?? (endpoints.Value.GatewayPort > 0 ? new IPEndPoint(endpoints.Value.AdvertisedIPAddress, endpoints.Value.GatewayPort) : null);
        if (!trust.Enforced || !liveness.Value.LeaseDatagrams || gateway is null)
        {
            return Task.CompletedTask;
        }

        var socket = new Socket(gateway.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(gateway);
        }
        catch (SocketException e)
        {
            // Not fatal: leases still renew over TCP, only a cut's end reaches the CMS later.
            socket.Dispose();
            CannotListen(gateway.ToString(), e.SocketErrorCode.ToString());
            return Task.CompletedTask;
        }

        _socket = socket;
        Listening(gateway.ToString());
        _receiving = ReceiveAsync(socket, _stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _socket?.Dispose();
        await _receiving.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReceiveAsync(Socket socket, CancellationToken stopping)
    {
        var buffer = new byte[LeaseDatagram.MaxLength + 1];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stopping.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a datagram that could not be received is a lost datagram
            }

            if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
            {
                Interlocked.Decrement(ref _inFlight);
                continue;
            }

            _ = HandleAsync(socket, buffer.AsSpan(0, received.ReceivedBytes).ToArray(), received.RemoteEndPoint);
        }
    }

    private async Task HandleAsync(Socket socket, byte[] datagram, EndPoint sender)
    {
        try
        {
            if (LeaseDatagram.ReadRequest(datagram) is not { } request
                || await tickets.OpenAsync(request.Ticket, clock.GetUtcNow()) is not { } ticket
                || revoked.IsRevoked(ticket.CertificateSha256)
                || !LeaseDatagram.IsSignedBy(datagram, ticket.Key))
            {
                return;
            }

            var reply = await grains.GetGrain<IEcuLease>(ticket.Mac).RenewByDatagramAsync(ticket.Id, request.Sequence);
            await socket.SendToAsync(LeaseDatagram.Reply(ticket.Key, ticket.Id, request, reply), SocketFlags.None, sender);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The agent's heartbeats carry on over TCP; a datagram that could not be handled is a lost datagram.
            HandlingFailed(e.GetBaseException().Message);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _socket?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Receiving lease datagrams on UDP {Endpoint}")]
    private partial void Listening(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot receive lease datagrams on UDP {Endpoint} ({Error}): agents' leases renew over TCP only. Free the port, or set Cms:Liveness:LeaseDatagrams to false to silence this")]
    private partial void CannotListen(string endpoint, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A lease datagram could not be handled: {Reason}")]
    private partial void HandlingFailed(string reason);
}
