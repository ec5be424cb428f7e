using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansCms.Security;

/// <summary>
/// The client side of authorization: opens a session per fleet certificate (proving it holds the key) and puts the
/// session's token in the <see cref="RequestContext"/> of every grain call, renewing it before it expires.
/// </summary>
public sealed class CallerSession(ICallerCredentials credentials, IServiceProvider services, TimeProvider clock) : IOutgoingGrainCallFilter
{
    /// <summary>The <see cref="RequestContext"/> key of the session token.</summary>
    public const string TokenKey = "cms-session";

    private readonly ConcurrentDictionary<string, Lazy<Task<SessionTicket>>> _sessions = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // A call an ECU may make speaks for the ECU that owns the target; any other for no ECU (an operator's).
        // Orleans' own system targets (the cluster manifest, ...) need no session, and are called before one can open.
        var callers = GrainOwner.CallersOf(context.InterfaceMethod?.DeclaringType).Callers;
        var certificate = callers.HasFlag(Callers.Anyone) || GrainTypePrefix.IsSystemTarget(context.TargetId)
            ? null
            : credentials.CertificateFor(callers.HasFlag(Callers.Ecu) ? GrainOwner.MacOf(context.TargetId) : null);
        if (certificate is null)
        {
            RequestContext.Remove(TokenKey);
        }
        else
        {
            RequestContext.Set(TokenKey, (await TicketAsync(certificate)).Token);
        }

        await context.Invoke();
    }

    /// <summary>The open session of <paramref name="certificate"/>, opened or renewed when half of its life is gone.</summary>
    public async Task<SessionTicket> TicketAsync(X509Certificate2 certificate)
    {
        while (true)
        {
            var session = _sessions.GetOrAdd(certificate.Thumbprint, _ => new Lazy<Task<SessionTicket>>(() => OpenAsync(certificate)));
            try
            {
                var ticket = await session.Value;
                if (ticket.ExpiresAt - clock.GetUtcNow() > RenewBefore(ticket))
                {
                    return ticket;
                }
            }
            catch (Exception) when (session.Value.IsFaulted)
            {
                // The next call tries again (the cluster may not have been reachable); this one fails with the cause.
                _sessions.TryRemove(new(certificate.Thumbprint, session));
                throw;
            }

            _sessions.TryRemove(new(certificate.Thumbprint, session));
        }
    }

    private TimeSpan RenewBefore(SessionTicket ticket) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, (ticket.ExpiresAt - clock.GetUtcNow()).Ticks / 2 + 1));

    private async Task<SessionTicket> OpenAsync(X509Certificate2 certificate)
    {
        var sessions = services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(0);
        var challenge = await sessions.ChallengeAsync();
        var signed = SessionProof.SignedBytes(challenge);
        var signature = certificate.GetECDsaPrivateKey() is { } ecdsa
            ? Sign(ecdsa, signed)
            : certificate.GetRSAPrivateKey() is { } rsa
                ? Sign(rsa, signed)
                : throw new InvalidOperationException($"the certificate {certificate.Subject} has no ECDSA or RSA private key to prove a session with.");
        return await sessions.OpenAsync(new SessionProof(certificate.RawData, challenge, signature));
    }

    private static byte[] Sign(ECDsa key, byte[] data)
    {
        using (key)
        {
            return key.SignData(data, HashAlgorithmName.SHA256);
        }
    }

    private static byte[] Sign(RSA key, byte[] data)
    {
        using (key)
        {
            return key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }
    }
}

/// <summary>Which certificate a client speaks with, by the ECU the call concerns (null: no ECU, such as a restoration).</summary>
public interface ICallerCredentials
{
    /// <summary>The certificate (with its key) to open the session of a call concerning ECU <paramref name="ownerMac"/>; null for none.</summary>
    X509Certificate2? CertificateFor(string? ownerMac);
}

/// <summary>One identity for every call: an agent's ECU certificate, or an operator's.</summary>
public sealed class SingleCredential(X509Certificate2 certificate) : ICallerCredentials
{
    public X509Certificate2? CertificateFor(string? ownerMac) => certificate;
}

/// <summary>Wiring of <see cref="CallerSession"/> into an Orleans client.</summary>
public static class CallerSessionExtensions
{
    /// <summary>Makes every grain call of the client carry a session of <paramref name="credentials"/>.</summary>
    public static IClientBuilder UseCallerSessions(this IClientBuilder client, ICallerCredentials credentials)
    {
        client.Services.AddSingleton(credentials);
        client.Services.AddSingleton<CallerSession>();
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<CallerSession>());
        return client;
    }
}
