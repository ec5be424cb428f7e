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
                throw new FormatException($"'{item}' is not host:port.");
            }

            var host = item[..colon].Trim('[', ']');
            var address = IPAddress.TryParse(host, out var ip) ? ip
                : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                  ?? throw new FormatException($"host '{host}' has no IPv4 address.");
            endpoints.Add(new IPEndPoint(address, port));
        }

        return endpoints.Count > 0 ? endpoints : throw new FormatException("no CMS gateway given; use --cms host:port[,host:port...].");
    }
}
