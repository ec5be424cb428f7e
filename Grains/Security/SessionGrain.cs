using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace OrleansCms.Security;

/// <summary>Checks that a caller holds the key of a fleet certificate naming an ECU or an operator, and opens its session.</summary>
[StatelessWorker]
public sealed partial class SessionGrain(FleetTrust trust, Seals seals, LeaseTickets leaseTickets, RevokedCertificates revoked, ILogger<SessionGrain> logger)
    : Grain, ISessionGrain
{
    public Task<byte[]> ChallengeAsync() => seals.ChallengeAsync();

    public async Task<SessionTicket> OpenAsync(SessionProof proof)
    {
        var fleet = trust.Certificates ?? throw Refuse("this CMS runs without TLS, so it has no fleet CA to check a session against");
        if (!await seals.IsFreshChallengeAsync(proof.Challenge))
        {
            throw Refuse("the challenge is expired or was not issued by this CMS");
        }

        using var certificate = Load(proof.Certificate);
        if (!fleet.IsClient(certificate))
        {
            throw Refuse($"'{certificate.Subject}' is not a client certificate of the fleet CA, valid now");
        }

        var fingerprint = RevokedCertificates.Fingerprint(certificate);
        if (revoked.IsRevoked(fingerprint))
        {
            throw Refuse($"the certificate '{certificate.Subject}' (SHA-256 {fingerprint}) was revoked", revoked: true);
        }

        var identity = FleetIdentity.Of(certificate);
        if (identity is null or { Role: FleetRole.Silo })
        {
            throw Refuse($"'{certificate.Subject}' names no ECU (ecu:MAC) or operator (operator:NAME)");
        }

        if (!Verify(certificate, SessionProof.SignedBytes(proof.Challenge), proof.Signature))
        {
            throw Refuse($"the signature does not prove the key of {identity}");
        }

        var sha256 = Convert.FromHexString(fingerprint);
        var ticket = await seals.IssueAsync(identity, sha256);
        if (identity.Role == FleetRole.Ecu)
        {
            ticket = ticket with { Lease = await leaseTickets.IssueAsync(identity.Name, sha256, ticket.ExpiresAt) };
        }

        SessionOpened(identity.ToString(), ticket.ExpiresAt);
        return ticket;
    }

    private static X509Certificate2 Load(byte[] der)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException e)
        {
            throw new AccessDeniedException($"session refused: the certificate cannot be read ({e.Message}).");
        }
    }

    private static bool Verify(X509Certificate2 certificate, byte[] data, byte[] signature)
    {
        using var ecdsa = certificate.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256);
        }

        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
    }

    private AccessDeniedException Refuse(string why, bool revoked = false)
    {
        SessionRefused(why);
        return new AccessDeniedException($"session refused: {why}.", revoked: revoked);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session opened for {Identity} until {ExpiresAt:O}")]
    private partial void SessionOpened(string identity, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session refused: {Why}")]
    private partial void SessionRefused(string why);
}
