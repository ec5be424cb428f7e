using System.Net;
using System.Net.Sockets;

namespace OrleansCms.Tests.Fixtures;

/// <summary>Loopback TCP ports that nothing listens on right now.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
