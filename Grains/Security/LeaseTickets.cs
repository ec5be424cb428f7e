using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansCms.Checkpoints;

namespace OrleansCms.Security;

/// <summary>
/// The tickets of lease datagrams (<see cref="Ecus.LeaseDatagram"/>). A ticket is sealed with AES-GCM under a key
/// derived from the <see cref="ClusterSecret"/>, so any silo opens it and no one else reads or makes one; it carries
/// the ECU's MAC, the SHA-256 of the certificate its session was opened with (a revocation ends its datagrams too),
/// its expiry (the session's), its id and a fresh random key, which the agent receives with its session over TLS.
/// </summary>
public sealed class LeaseTickets(ClusterSecret secret)
{
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int KeyLength = 32;
    private const int FingerprintLength = 32;
    private const int Header = 8 + 8 + FingerprintLength + KeyLength;
    private static readonly byte[] Context = Encoding.ASCII.GetBytes("orleans-cms lease ticket v1");

    /// <summary>New credentials for the session of ECU <paramref name="mac"/>, valid until <paramref name="expiresAt"/>.</summary>
    public async Task<LeaseCredentials> IssueAsync(string mac, byte[] certificateSha256, DateTimeOffset expiresAt)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(certificateSha256.Length, FingerprintLength);
        var id = 0L;
        while (id == 0)
        {
            id = BinaryPrimitives.ReadInt64BigEndian(RandomNumberGenerator.GetBytes(8));
        }

        var key = RandomNumberGenerator.GetBytes(KeyLength);
        var name = Encoding.UTF8.GetBytes(MacAddress.Normalize(mac));
        var plain = new byte[Header + name.Length];
        BinaryPrimitives.WriteInt64BigEndian(plain, expiresAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(8), id);
        certificateSha256.CopyTo(plain, 16);
        key.CopyTo(plain, 16 + FingerprintLength);
        name.CopyTo(plain, Header);

        var ticket = new byte[NonceLength + plain.Length + TagLength];
        RandomNumberGenerator.Fill(ticket.AsSpan(0, NonceLength));
        using var aes = new AesGcm(await SealingKeyAsync(), TagLength);
        aes.Encrypt(ticket.AsSpan(0, NonceLength), plain, ticket.AsSpan(NonceLength, plain.Length), ticket.AsSpan(NonceLength + plain.Length), Context);
        return new LeaseCredentials(id, ticket, key);
    }

    /// <summary>What <paramref name="ticket"/> holds, or null when it is damaged, not this cluster's, or expired at <paramref name="now"/>.</summary>
    public async Task<LeaseTicket?> OpenAsync(byte[] ticket, DateTimeOffset now)
    {
        var length = ticket.Length - NonceLength - TagLength;
        if (length <= Header)
        {
            return null;
        }

        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(await SealingKeyAsync(), TagLength);
            aes.Decrypt(ticket.AsSpan(0, NonceLength), ticket.AsSpan(NonceLength, length), ticket.AsSpan(NonceLength + length), plain, Context);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(plain));
        return expiresAt <= now
            ? null
            : new LeaseTicket(BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(8)), Encoding.UTF8.GetString(plain.AsSpan(Header)),
                Convert.ToHexStringLower(plain.AsSpan(16, FingerprintLength)), plain.AsSpan(16 + FingerprintLength, KeyLength).ToArray(), expiresAt);
    }

    // Its own key, not the cluster secret itself: HMAC of the secret with a label no seal uses.
    private async Task<byte[]> SealingKeyAsync() => HMACSHA256.HashData(await secret.KeyAsync(), Context);
}

/// <summary>An opened lease ticket: which ECU, which certificate (SHA-256, lower-case hex), its datagrams' key, until when.</summary>
public sealed record LeaseTicket(long Id, string Mac, string CertificateSha256, byte[] Key, DateTimeOffset ExpiresAt);
