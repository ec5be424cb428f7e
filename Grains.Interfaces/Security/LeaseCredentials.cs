namespace OrleansCms.Security;

/// <summary>
/// What an ECU's session adds for lease datagrams (<see cref="Ecus.LeaseDatagram"/>): a ticket only silos can open,
/// which carries the ECU's MAC, its certificate's fingerprint and <see cref="Key"/>, and that key, which the agent
/// receives only here, over its TLS connection. <see cref="TicketId"/> names the ticket in the agent's heartbeats.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.LeaseCredentials")]
public sealed record LeaseCredentials(
    [property: Id(0)] long TicketId,
    [property: Id(1)] byte[] Ticket,
    [property: Id(2)] byte[] Key);
