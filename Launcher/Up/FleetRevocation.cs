using System.Net.Http.Json;
using System.Text.Json;
using OrleansCms.Fleet;
using OrleansCms.Launcher.Control;

namespace OrleansCms.Launcher.Up;

/// <summary>
/// <c>./cms revoke ecu-N</c>: revokes the ECU's certificate through the API of a live silo, as the fleet's operator,
/// then issues the ECU a new certificate and key, which its agent uses from its next start.
/// </summary>
public static class FleetRevocation
{
    public static async Task<ControlReply> RevokeAsync(MemberSpec member, FleetLayout layout, IEnumerable<int> liveHttpPorts)
    {
        if (member.Kind != MemberKind.Agent)
        {
            return ControlReply.Refused($"{member.Name} is a silo; silo links trust the fleet CA itself (revoke ECUs: ecu-1, ecu-2, ...).");
        }

        if (layout.Tls is not { } tls)
        {
            return ControlReply.Refused("this fleet runs without TLS (--plain): there are no certificates to revoke.");
        }

        if (liveHttpPorts.FirstOrDefault() is not (> 0 and var port))
        {
            return ControlReply.Refused("no silo runs: a revocation is recorded by the CMS.");
        }

        var identity = FleetTlsFiles.IdentityOf(member);
        using var http = OperatorTokenHandler.Client(tls, FleetLayout.Operator, new Uri($"http://127.0.0.1:{port}"), TimeSpan.FromSeconds(10));
        HttpResponseMessage answer;
        try
        {
            answer = await http.PostAsJsonAsync("/api/revocations", new { certificate = await File.ReadAllTextAsync(tls.Certificate(identity)), reason = "./cms revoke" });
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return ControlReply.Refused($"the silo on port {port} did not answer: {e.Message}");
        }

        using (answer)
        {
            if (!answer.IsSuccessStatusCode)
            {
                return ControlReply.Refused($"the CMS refused: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
            }

            var sha256 = (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString();
            tls.Reissue(identity);
            return ControlReply.Done(
                $"{member.Name}'s certificate ({identity}, SHA-256 {sha256}) is revoked: every silo refuses it within a second, so its agent "
                + $"stops its programs and exits, and the CMS declares ECU {member.Mac} failed and restores them elsewhere. "
                + $"A new certificate was issued: ./cms start {member.Name} brings the ECU back with it (fenced).");
        }
    }
}
