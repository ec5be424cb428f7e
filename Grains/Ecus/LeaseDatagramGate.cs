namespace OrleansCms.Ecus;

/// <summary>
/// Which lease datagrams may renew an ECU's lease (<see cref="LeaseDatagram"/>), kept in memory by its grain: only one
/// carrying the ticket the agent named in its latest heartbeat, with a sequence number above every one seen from it,
/// by heartbeat or datagram. So a datagram recorded and sent again, or one of an earlier agent process or session,
/// renews nothing; and after a new activation none renews until the agent's first heartbeat names its ticket.
/// </summary>
public sealed class LeaseDatagramGate
{
    private long _ticketId;
    private long _floor;

    /// <summary>A heartbeat (sent with <paramref name="sequence"/>) names the ticket its agent's datagrams carry; 0 names none.</summary>
    public void Heartbeat(long ticketId, long sequence)
    {
        if (ticketId != _ticketId)
        {
            _ticketId = ticketId;
            _floor = sequence;
        }
        else if (sequence > _floor)
        {
            _floor = sequence;
        }
    }

    /// <summary>Whether a datagram of ticket <paramref name="ticketId"/> and sequence <paramref name="sequence"/> renews the lease; counts it if so.</summary>
    public bool Admit(long ticketId, long sequence)
    {
        if (ticketId == 0 || ticketId != _ticketId || sequence <= _floor)
        {
            return false;
        }

        _floor = sequence;
        return true;
    }
}
