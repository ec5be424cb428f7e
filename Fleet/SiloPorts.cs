using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>The three loopback ports of one silo: cluster, gateway and HTTP.</summary>
public sealed record SiloPorts(int Silo, int Gateway, int Http)
{
    /// <summary>Three free ports from below the ephemeral range (see <see cref="FreePorts"/>).</summary>
    public static SiloPorts Free() => new(FreePorts.Next(), FreePorts.Next(), FreePorts.Next());

    /// <summary>
    /// The ports of silo <paramref name="number"/> (1, 2, …) of <c>./cms up</c>: silo port 11110+N, gateway 29999+N and
    /// HTTP 8079+N, each moved by <paramref name="offset"/>.
    /// </summary>
    public static SiloPorts Numbered(int number, int offset) =>
        new(11110 + number + offset, 29999 + number + offset, 8079 + number + offset);

    /// <summary>The silo's configuration overrides for these ports.</summary>
    public IReadOnlyList<string> Settings =>
        [$"--Cms:SiloPort={Text(Silo)}", $"--Cms:GatewayPort={Text(Gateway)}", $"--Cms:HttpPort={Text(Http)}"];

    /// <summary>The first of the three that something listens on already, with what it is for (<c>gateway</c>), or null.</summary>
    public (int Port, string What)? InUse() =>
        new (int Port, string What)[] { (Silo, "silo port"), (Gateway, "gateway"), (Http, "HTTP port") }
            .Where(p => !FreePorts.IsFree(p.Port))
            .Select(p => ((int Port, string What)?)p)
            .FirstOrDefault();

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);
}
