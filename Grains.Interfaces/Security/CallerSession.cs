using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansCms.Security;

/// <summary>
/// The client side of authorization: opens a session per fleet certificate (proving it holds the key) and puts the
/// session's token in the <see cref="RequestContext"/> of every grain call, renewing it before it expires.
/// </summary>
public sealed class CallerSession(ICallerCredentials credentials, IServiceProvider services, TimeProvider clock) : IOutgoingGrainCallFilter
{
    /// <summary>The <see cref="RequestContext"/> key of the session token.</summary>
    public const string TokenKey = "cms-session";

    private readonly ConcurrentDictionary<string, Lazy<Task<Session>>> _sessions = new();

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
            await context.Invoke();
            return;
        }

        var ticket = await TicketAsync(certificate);
        RequestContext.Set(TokenKey, ticket.Token);
        try
        {
            await context.Invoke();
        }
        catch (AccessDeniedException e) when (e.NoSession)
        {
            // The silos no longer accept the session (their secret was replaced, or clocks disagree): open a new one
            // and try once more; a refusal of the new one is the answer.
            Forget(certificate, ticket);
            RequestContext.Set(TokenKey, (await TicketAsync(certificate)).Token);
            await context.Invoke();
        }
    }

    /// <summary>The open session of <paramref name="certificate"/>, opened anew once half of its life is gone.</summary>
    public async Task<SessionTicket> TicketAsync(X509Certificate2 certificate)
    {
        while (true)
        {
            var session = _sessions.GetOrAdd(certificate.Thumbprint, _ => new Lazy<Task<Session>>(() => OpenAsync(certificate)));
            Session open;
            try
            {
                open = await session.Value;
            }
            catch (Exception)
            {
                // The next call tries again (the cluster may not have been reachable); this one fails with the cause.
                _sessions.TryRemove(new(certificate.Thumbprint, session));
                throw;
            }

            if (clock.GetUtcNow() < open.RenewAt)
            {
                return open.Ticket;
            }

            _sessions.TryRemove(new(certificate.Thumbprint, session));
        }
    }

    private void Forget(X509Certificate2 certificate, SessionTicket ticket)
    {
        if (_sessions.TryGetValue(certificate.Thumbprint, out var session) && session.IsValueCreated
            && session.Value.IsCompletedSuccessfully && session.Value.Result.Ticket == ticket)
        {
            _sessions.TryRemove(new(certificate.Thumbprint, session));
        }
    }

    private async Task<Session> OpenAsync(X509Certificate2 certificate)
    {
        var opened = clock.GetUtcNow();
        var sessions = services.GetRequiredService<IGrainFactory>().GetGrain<ISessionGrain>(0);
        var challenge = await sessions.ChallengeAsync();
        var signed = SessionProof.SignedBytes(challenge);
        var signature = certificate.GetECDsaPrivateKey() is { } ecdsa
            ? Sign(ecdsa, signed)
            : certificate.GetRSAPrivateKey() is { } rsa
                ? Sign(rsa, signed)
                : throw new InvalidOperationException($"the certificate {certificate.Subject} has no ECDSA or RSA private key to prove a session with.");
        var ticket = await sessions.OpenAsync(new SessionProof(certificate.RawData, challenge, signature));
        return new Session(ticket, opened + (ticket.ExpiresAt - opened) / 2);
    }

    /// <summary>A ticket and when to open the next one (half-way through its life by this client's clock).</summary>
    private sealed record Session(SessionTicket Ticket, DateTimeOffset RenewAt);

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
        client.Services.TryAddSingleton(TimeProvider.System);
        client.Services.AddSingleton<CallerSession>();
        client.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => sp.GetRequiredService<CallerSession>());
        return client;
    }
}
