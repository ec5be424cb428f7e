using System.Net;
using System.Net.Sockets;

namespace OrleansCms.Fleet;

/// <summary>
/// Loopback TCP ports for the silos of a fleet that picks its own (the tests, the benchmarks, the demo). They come
/// from below the kernel's ephemeral range: a port from that range (what binding port 0 gives) can be taken by any
/// outgoing connection between the moment it is picked and the moment a silo binds it, or while a killed silo waits
/// to be restarted on it.
/// </summary>
public static class FreePorts
{
    private const int Lowest = 20000;
    private static readonly object Gate = new();
    private static readonly int Highest = EphemeralRangeStart() - 1;

    // Each process starts at its own offset so that two fleets on one machine rarely probe the same ports.
    private static int _next = Lowest + (Environment.ProcessId * 7 % Math.Max(1, Highest - Lowest));

    public static int Next()
    {
        lock (Gate)
        {
            for (var tries = 0; tries <= Highest - Lowest; tries++)
            {
                var port = _next;
                _next = _next >= Highest ? Lowest : _next + 1;
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port in {Lowest}-{Highest}");
    }

    /// <summary>Whether a listener can bind <paramref name="port"/> on loopback right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The low end of <c>ip_local_port_range</c> (32768 where it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var start and > Lowest + 1000 ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
    }
}
