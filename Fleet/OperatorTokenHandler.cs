using System.Net.Http.Headers;
using OrleansCms.Security;

namespace OrleansCms.Fleet;

/// <summary>
/// Sends every request of an <see cref="HttpClient"/> with a bearer token of operator <paramref name="member"/>
/// (<see cref="OperatorTokens"/>), minted from its certificate in <paramref name="files"/> and minted again once
/// half of its life is gone, so a client that runs for weeks keeps a valid one.
/// </summary>
public sealed class OperatorTokenHandler(FleetTlsFiles files, FleetIdentity member, string role = OperatorTokens.Operator)
    : DelegatingHandler(new HttpClientHandler())
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset RenewAt)? _current;

    /// <summary>A client of <paramref name="baseAddress"/> that sends the token; a plain one when <paramref name="files"/> is null (no TLS, no tokens).</summary>
    public static HttpClient Client(FleetTlsFiles? files, FleetIdentity member, Uri? baseAddress = null, TimeSpan? timeout = null, string role = OperatorTokens.Operator)
    {
        var client = files is null ? new HttpClient() : new HttpClient(new OperatorTokenHandler(files, member, role));
        client.BaseAddress = baseAddress;
        client.Timeout = timeout ?? client.Timeout;
        return client;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", Token());
        return base.SendAsync(request, cancellationToken);
    }

    private string Token()
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            if (_current is not { } current || now >= current.RenewAt)
            {
                _current = current = (files.Token(member, role, Lifetime), now + Lifetime / 2);
            }

            return current.Token;
        }
    }
}
