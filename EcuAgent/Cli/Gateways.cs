using System.Globalization;
using System.Net;

namespace OrleansCms.Cli;

/// <summary>Parses <c>host:port,host:port</c> into gateway endpoints (host names are resolved once, at start).</summary>
public static class Gateways
{
    /// <summary>
    /// The endpoints of <paramref name="text"/>; a <see cref="FormatException"/> that names <paramref name="source"/> (the
    /// flag <c>--cms</c>, or the configuration key <c>Agent:Gateways</c>) says what is wrong and how to write it.
    /// </summary>
    public static List<IPEndPoint> Parse(string text, string source = "--cms")
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(item.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException($"{source}: '{item}' is not host:port; write e.g. {Usage(source, "127.0.0.1:30000,127.0.0.1:30001")}.");
            }

            var host = item[..colon].Trim('[', ']');
            var address = IPAddress.TryParse(host, out var ip) ? ip
                : Resolve(host, source).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                  ?? throw new FormatException($"{source}: host '{host}' has no IPv4 address; give its IPv4 address instead.");
            endpoints.Add(new IPEndPoint(address, port));
        }

        return endpoints.Count > 0 ? endpoints : throw new FormatException($"no CMS gateway given; use {Usage(source, "host:port[,host:port...]")}.");
    }

    /// <summary>How to give <paramref name="value"/>: after a flag, or as a key's value.</summary>
    private static string Usage(string source, string value) =>
        source.StartsWith("--", StringComparison.Ordinal) ? $"{source} {value}" : $"{source}={value}";

    private static IPAddress[] Resolve(string host, string source)
    {
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new FormatException($"{source}: host '{host}' does not resolve ({e.SocketErrorCode}); check the name or give an IP address.", e);
        }
    }
}
