using System.Globalization;
using System.Net;

namespace OrleansCms.Cli;

/// <summary>Parses <c>host:port,host:port</c> into gateway endpoints (host names are resolved once, at start).</summary>
public static class Gateways
{
    public static List<IPEndPoint> Parse(string text)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"--cms: '{item}' is not host:port; write e.g. --cms 127.0.0.1:30000,127.0.0.1:30001.");
            }

            var host = item[..colon].Trim('[', ']');
            var address = IPAddress.TryParse(host, out var ip) ? ip
                : Resolve(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                  ?? throw new FormatException($"--cms: host '{host}' has no IPv4 address; give its IPv4 address instead.");
            endpoints.Add(new IPEndPoint(address, port));
        }

        return endpoints.Count > 0 ? endpoints : throw new FormatException("no CMS gateway given; use --cms host:port[,host:port...].");
    }

    private static IPAddress[] Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new FormatException($"--cms: host '{host}' does not resolve ({e.SocketErrorCode}); check the name or give an IP address.", e);
        }
    }
}
