using System.Buffers.Binary;
using System.Security.Cryptography;
using OrleansCms.Security;

namespace OrleansCms.Ecus;

/// <summary>
/// The UDP form of a lease renewal, which an agent sends to every gateway (the gateways' own ports, over UDP) while
/// its heartbeats go unanswered, and the silo's answer. Heartbeats travel on TCP, where a segment lost in a network
/// cut is sent again only after an exponentially growing wait; a datagram sent after the cut heals arrives at once,
/// so a cut shorter than the lease ends before the CMS declares the ECU failed (docs/architecture.md, "Lease
/// datagrams"). Both forms are authenticated, not encrypted: HMAC-SHA256 under the session's lease key, truncated
/// to 16 bytes. Big-endian throughout:
/// <code>
/// request: 'L' 1 | ticket length (2) | ticket | sequence (8) | echo (8) | tag (16)
/// reply:   'L' 2 | ticket id (8) | sequence (8) | echo (8) | status (1) | renewed (1) | epoch (4) | lease ms (4) | tag (16)
/// </code>
/// The sequence is the agent's, shared with its heartbeats, so that a replayed datagram renews nothing; the echo is
/// the agent's own send time, returned so that it can count its lease from the moment it sent what renewed it.
/// </summary>
public static class LeaseDatagram
{
    /// <summary>Larger than any request or reply; a datagram longer than this is not one.</summary>
    public const int MaxLength = 1024;

    private const byte Magic = (byte)'L';
    private const byte RequestKind = 1;
    private const byte ReplyKind = 2;
    private const int TagLength = 16;
    private const int ReplyLength = 2 + 8 + 8 + 8 + 1 + 1 + 4 + 4 + TagLength;

    /// <summary>A renewal request of the agent holding <paramref name="lease"/>.</summary>
    public static byte[] Request(LeaseCredentials lease, long sequence, long echo)
    {
        var bytes = new byte[2 + 2 + lease.Ticket.Length + 8 + 8 + TagLength];
        if (bytes.Length > MaxLength)
        {
            throw new ArgumentException($"a lease ticket of {lease.Ticket.Length} bytes does not fit a datagram.", nameof(lease));
        }

        bytes[0] = Magic;
        bytes[1] = RequestKind;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)lease.Ticket.Length);
        lease.Ticket.CopyTo(bytes, 4);
        var at = 4 + lease.Ticket.Length;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at), sequence);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at + 8), echo);
        Sign(lease.Key, bytes);
        return bytes;
    }

    /// <summary>The parts of a request, or null when <paramref name="datagram"/> is not one; its tag is checked by <see cref="IsSignedBy"/>.</summary>
    public static LeaseRenewalRequest? ReadRequest(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 4 + 8 + 8 + TagLength || datagram.Length > MaxLength || datagram[0] != Magic || datagram[1] != RequestKind)
        {
            return null;
        }

        var ticketLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (datagram.Length != 4 + ticketLength + 8 + 8 + TagLength)
        {
            return null;
        }

        var at = 4 + ticketLength;
        return new LeaseRenewalRequest(datagram.Slice(4, ticketLength).ToArray(),
            BinaryPrimitives.ReadInt64BigEndian(datagram[at..]), BinaryPrimitives.ReadInt64BigEndian(datagram[(at + 8)..]));
    }

    /// <summary>Whether <paramref name="datagram"/> carries the tag of <paramref name="key"/> (compared in constant time).</summary>
    public static bool IsSignedBy(ReadOnlySpan<byte> datagram, byte[] key)
    {
        if (datagram.Length <= TagLength)
        {
            return false;
        }

        Span<byte> tag = stackalloc byte[TagLength];
        Tag(key, datagram[..^TagLength], tag);
        return CryptographicOperations.FixedTimeEquals(tag, datagram[^TagLength..]);
    }

    /// <summary>The silo's answer to <paramref name="request"/>, signed with the key of its ticket.</summary>
    public static byte[] Reply(byte[] key, long ticketId, LeaseRenewalRequest request, LeaseRenewalReply reply)
    {
        var bytes = new byte[ReplyLength];
        bytes[0] = Magic;
        bytes[1] = ReplyKind;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2), ticketId);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(10), request.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(18), request.Echo);
        bytes[26] = (byte)reply.Status;
        bytes[27] = reply.Renewed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(28), reply.FailureEpoch);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(32), (int)Math.Min(reply.Lease.TotalMilliseconds, int.MaxValue));
        Sign(key, bytes);
        return bytes;
    }

    /// <summary>
    /// A reply signed with the key of the ticket it names (<paramref name="keyOf"/> gives the agent's key of a ticket
    /// id, null for one it does not hold), with the echo it returns; null for anything else.
    /// </summary>
    public static (LeaseRenewalReply Reply, long Echo)? ReadReply(ReadOnlySpan<byte> datagram, Func<long, byte[]?> keyOf)
    {
        if (datagram.Length != ReplyLength || datagram[0] != Magic || datagram[1] != ReplyKind
            || keyOf(BinaryPrimitives.ReadInt64BigEndian(datagram[2..])) is not { } key || !IsSignedBy(datagram, key))
        {
            return null;
        }

        var reply = new LeaseRenewalReply((EcuStatus)datagram[26], datagram[27] == 1,
            BinaryPrimitives.ReadInt32BigEndian(datagram[28..]), TimeSpan.FromMilliseconds(BinaryPrimitives.ReadInt32BigEndian(datagram[32..])));
        return (reply, BinaryPrimitives.ReadInt64BigEndian(datagram[18..]));
    }

    private static void Sign(byte[] key, byte[] bytes) => Tag(key, bytes.AsSpan(0, bytes.Length - TagLength), bytes.AsSpan(bytes.Length - TagLength));

    private static void Tag(byte[] key, ReadOnlySpan<byte> body, Span<byte> tag)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, body, full);
        full[..TagLength].CopyTo(tag);
    }
}

/// <summary>A lease datagram's request as read: the ticket to open, the agent's sequence number and its send time.</summary>
public sealed record LeaseRenewalRequest(byte[] Ticket, long Sequence, long Echo);

/// <summary>
/// What the ECU's grain answers a lease datagram: its status, and whether this datagram renewed the lease (a
/// repeated or superseded one is answered without renewing, and then counts for nothing on the agent).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.LeaseRenewalReply")]
public sealed record LeaseRenewalReply(
    [property: Id(0)] EcuStatus Status,
    [property: Id(1)] bool Renewed,
    [property: Id(2)] int FailureEpoch,
    [property: Id(3)] TimeSpan Lease);
