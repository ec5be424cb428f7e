namespace OrleansCms.Ecus;

/// <summary>
/// The lease timer's verdict, sent by an ECU grain to itself (see <see cref="EcuGrain"/>), and the renewals of lease datagrams,
/// sent by the silo that received them (<see cref="LeaseDatagramListener"/>); not for clients.
/// </summary>
[Alias("OrleansCms.IEcuLease")]
public interface IEcuLease : IGrainWithStringKey
{
    /// <summary>Declares the ECU failed unless a heartbeat was taken after <paramref name="lastHeartbeat"/>.</summary>
    [Alias("ExpireLease")]
    Task ExpireLeaseAsync(DateTimeOffset lastHeartbeat);

    /// <summary>
    /// A lease datagram of ticket <paramref name="ticketId"/> arrived at a silo (which checked its ticket and tag):
    /// renews the lease if <see cref="LeaseDatagramGate"/> admits it, and answers the ECU's status either way.
    /// </summary>
    [Alias("RenewByDatagram")]
    Task<LeaseRenewalReply> RenewByDatagramAsync(long ticketId, long sequence);
}
