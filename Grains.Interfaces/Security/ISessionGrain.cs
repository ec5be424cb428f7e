using System.Text;

namespace OrleansCms.Security;

/// <summary>
/// Where a fleet member proves it holds the key of its certificate and receives a session token naming who it
/// is. Orleans does not hand a connection's TLS identity to grain calls, so every later call carries the token
/// (in <see cref="RequestContext"/>, under <see cref="CallerSession.TokenKey"/>), and the silos authorize it.
/// </summary>
[CalledBy(Callers.Anyone), Alias("OrleansCms.ISessionGrain")]
public interface ISessionGrain : IGrainWithIntegerKey
{
    /// <summary>A fresh challenge to sign, valid for a short while on every silo.</summary>
    [Alias("Challenge")]
    Task<byte[]> ChallengeAsync();

    /// <summary>Checks the proof and issues a session; an <see cref="AccessDeniedException"/> when it does not hold.</summary>
    [Alias("Open")]
    Task<SessionTicket> OpenAsync(SessionProof proof);
}

/// <summary>A fleet certificate (DER) and its key's signature over <see cref="SignedBytes"/> of a challenge.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.SessionProof")]
public sealed record SessionProof([property: Id(0)] byte[] Certificate, [property: Id(1)] byte[] Challenge, [property: Id(2)] byte[] Signature)
{
    /// <summary>What the key signs: the challenge, behind a label so that the signature serves no other protocol.</summary>
    public static byte[] SignedBytes(byte[] challenge) => [.. Encoding.ASCII.GetBytes("orleans-cms session proof v1\n"), .. challenge];
}

/// <summary>
/// An open session: who it speaks for, until when, and the token to carry on every call; an ECU's session also
/// holds the credentials of its lease datagrams.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.SessionTicket")]
public sealed record SessionTicket(
    [property: Id(0)] FleetRole Role,
    [property: Id(1)] string Subject,
    [property: Id(2)] DateTimeOffset ExpiresAt,
    [property: Id(3)] byte[] Token,
    [property: Id(4)] LeaseCredentials? Lease = null);
