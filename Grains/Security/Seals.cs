using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansCms.Checkpoints;

namespace OrleansCms.Security;

/// <summary>
/// What only silos can make, sealed with HMAC-SHA256 under the <see cref="ClusterSecret"/>: challenges, session
/// tokens, read grants and the mark of a silo's own calls. Each kind has its own label, so that no seal passes for another.
/// </summary>
public sealed class Seals(ClusterSecret secret, TimeProvider clock)
{
    /// <summary>How long a session lasts; clients renew at half-life, so silo clocks may disagree by minutes.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromMinutes(10);

    /// <summary>How long a challenge may be signed and returned.</summary>
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long a restore command's read grant holds: long enough for a slow restore of a large checkpoint.</summary>
    public static readonly TimeSpan GrantLifetime = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan MarkLifetime = TimeSpan.FromMinutes(10);
    private const int SealLength = 32;
    private const int FingerprintLength = 32;

    // A session's body: format, role, expiry (8 bytes), the SHA-256 of its certificate, then the subject's name.
    private const byte SessionFormat = 2;
    private const int SessionHeader = 2 + 8 + FingerprintLength;
    private byte[]? _mark;

    public async Task<byte[]> ChallengeAsync()
    {
        var body = new byte[8 + 16];
        BinaryPrimitives.WriteInt64BigEndian(body, (clock.GetUtcNow() + ChallengeLifetime).ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(body.AsSpan(8));
        return [.. body, .. await SealAsync("challenge", body)];
    }

    public Task<bool> IsFreshChallengeAsync(byte[] challenge) => OpenAsync("challenge", challenge, 8 + 16);

    /// <summary>
    /// A session for <paramref name="identity"/>, bound to the certificate it proved (<paramref name="certificateSha256"/>,
    /// 32 bytes), so that revoking that certificate ends the session at its next call.
    /// </summary>
    public async Task<SessionTicket> IssueAsync(FleetIdentity identity, byte[] certificateSha256)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(certificateSha256.Length, FingerprintLength);
        var expires = clock.GetUtcNow() + SessionLifetime;
        var subject = Encoding.UTF8.GetBytes(identity.Name);
        var body = new byte[SessionHeader + subject.Length];
        body[0] = SessionFormat;
        body[1] = (byte)identity.Role;
        BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(2), expires.ToUnixTimeMilliseconds());
        certificateSha256.CopyTo(body, 10);
        subject.CopyTo(body, SessionHeader);
        return new SessionTicket(identity.Role, identity.Name, DateTimeOffset.FromUnixTimeMilliseconds(expires.ToUnixTimeMilliseconds()),
            [.. body, .. await SealAsync("session", body)]);
    }

    /// <summary>The caller a session token names, or null when it is missing, forged, damaged or expired.</summary>
    public async Task<CallerIdentity?> ReadSessionAsync(object? token)
    {
        if (token is not byte[] { Length: > SessionHeader + SealLength } bytes || bytes[0] != SessionFormat
            || !await OpenAsync("session", bytes, bytes.Length - SealLength))
        {
            return null;
        }

        var role = (FleetRole)bytes[1];
        return role is FleetRole.Ecu or FleetRole.Operator
            ? new CallerIdentity(role, Encoding.UTF8.GetString(bytes, SessionHeader, bytes.Length - SessionHeader - SealLength),
                Convert.ToHexStringLower(bytes.AsSpan(10, FingerprintLength)))
            : null;
    }

    /// <summary>The mark this silo puts on its own calls (renewed well before it expires).</summary>
    public async Task<byte[]> SiloMarkAsync()
    {
        var mark = _mark;
        if (mark is null || ExpiresAt(mark) - clock.GetUtcNow() < MarkLifetime / 2)
        {
            var body = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(body, (clock.GetUtcNow() + MarkLifetime).ToUnixTimeMilliseconds());
            _mark = mark = [.. body, .. await SealAsync("silo-call", body)];
        }

        return mark;
    }

    public async Task<bool> IsSiloMarkAsync(object? mark) => mark is byte[] { Length: 8 + SealLength } bytes && await OpenAsync("silo-call", bytes, 8);

    public async Task<ReadGrant> GrantAsync(string reader, CheckpointKey source, long version)
    {
        var unsealed = new ReadGrant(MacAddress.Normalize(reader), source, version,
            DateTimeOffset.FromUnixTimeMilliseconds((clock.GetUtcNow() + GrantLifetime).ToUnixTimeMilliseconds()), []);
        return unsealed with { Seal = await SealAsync("read-grant", Encoding.UTF8.GetBytes(unsealed.SealedText())) };
    }

    /// <summary>True when <paramref name="grant"/> is the CMS's own, unexpired, for reader <paramref name="reader"/>.</summary>
    public async Task<bool> IsValidGrantAsync(ReadGrant? grant, string reader) =>
        grant is { Seal.Length: SealLength } && grant.Reader == reader && grant.ExpiresAt > clock.GetUtcNow()
        && SealMatches(await SealAsync("read-grant", Encoding.UTF8.GetBytes(grant.SealedText())), grant.Seal, 0);

    private async Task<bool> OpenAsync(string label, byte[] sealedBytes, int bodyLength)
    {
        if (sealedBytes.Length != bodyLength + SealLength || ExpiresAtOffset(sealedBytes, label) <= clock.GetUtcNow())
        {
            return false;
        }

        var expected = await SealAsync(label, sealedBytes.AsMemory(0, bodyLength));
        return SealMatches(expected, sealedBytes, bodyLength);
    }

    private static bool SealMatches(byte[] expected, byte[] sealedBytes, int bodyLength) =>
        CryptographicOperations.FixedTimeEquals(expected, sealedBytes.AsSpan(bodyLength));

    // Every sealed body carries its expiry as 8 big-endian bytes: at 0, or at 2 behind a session's version and role.
    private static DateTimeOffset ExpiresAtOffset(byte[] bytes, string label) =>
        DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(label == "session" ? 2 : 0)));

    private static DateTimeOffset ExpiresAt(byte[] mark) => ExpiresAtOffset(mark, "silo-call");

    private async Task<byte[]> SealAsync(string label, ReadOnlyMemory<byte> body)
    {
        var key = await secret.KeyAsync();
        var labelled = new byte[label.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(label, labelled);
        labelled[label.Length] = (byte)'\n';
        body.Span.CopyTo(labelled.AsSpan(label.Length + 1));
        return HMACSHA256.HashData(key, labelled);
    }
}
