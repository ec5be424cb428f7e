using OrleansCms.Fleet;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Hosts on one LAN, simulated on this machine: a Linux bridge with an address of this host's (where its processes,
/// PostgreSQL and the tests' client, are reached) and a network namespace per simulated host, each with an address
/// of its own on the bridge (<c>ip</c>, needs root). A process started behind a host's <see cref="SimulatedHost.ExecPrefix"/>
/// sees only that host's address and loopback.
/// </summary>
public sealed class SimulatedHosts : IDisposable
{
    private readonly string _bridge;
    private readonly List<SimulatedHost> _hosts = [];

    private SimulatedHosts(string bridge, string hostAddress)
    {
        _bridge = bridge;
        HostAddress = hostAddress;
    }

    /// <summary>This machine's own address on the LAN.</summary>
    public string HostAddress { get; }

    /// <summary>The LAN in CIDR notation (for a server's access rules).</summary>
    public string Subnet => $"{HostAddress[..HostAddress.LastIndexOf('.')]}.0/24";

    public IReadOnlyList<SimulatedHost> Hosts => _hosts;

    /// <summary>Creates the LAN with <paramref name="count"/> hosts; throws the reason when this machine does not allow it.</summary>
    public static SimulatedHosts Create(int count)
    {
        // Names and a /24 of their own, so concurrent runs on one machine do not collide.
        var id = Random.Shared.Next(1, 1 << 12);
        var prefix = $"10.{100 + (id >> 8)}.{id & 0xff}";
        var lan = new SimulatedHosts($"cmsbr{id}", $"{prefix}.1");
        try
        {
            IpCommand.Require("link", "add", lan._bridge, "type", "bridge");
            IpCommand.Require("addr", "add", $"{lan.HostAddress}/24", "dev", lan._bridge);
            IpCommand.Require("link", "set", lan._bridge, "up");
            for (var n = 1; n <= count; n++)
            {
                var host = new SimulatedHost($"cms-lan{id}-{n}", $"{prefix}.{10 + n}");
                var (outer, inner) = ($"cmsl{id}x{n}", $"cmsi{id}x{n}");
                lan._hosts.Add(host);
                IpCommand.Require("netns", "add", host.Name);
                IpCommand.Require("link", "add", outer, "type", "veth", "peer", "name", inner);
                IpCommand.Require("link", "set", inner, "netns", host.Name);
                IpCommand.Require("link", "set", outer, "master", lan._bridge);
                IpCommand.Require("link", "set", outer, "up");
                IpCommand.Require("netns", "exec", host.Name, "ip", "addr", "add", $"{host.Address}/24", "dev", inner);
                IpCommand.Require("netns", "exec", host.Name, "ip", "link", "set", inner, "up");
                IpCommand.Require("netns", "exec", host.Name, "ip", "link", "set", "lo", "up");
            }

            return lan;
        }
        catch (InvalidOperationException e)
        {
            lan.Dispose();
            throw new InvalidOperationException($"simulated hosts need network namespaces and a bridge (run as root with CAP_NET_ADMIN): {e.Message}", e);
        }
    }

    public void Dispose()
    {
        // Deleting a namespace deletes its end of the veth pair, and so the pair.
        _hosts.ForEach(h => IpCommand.Run("netns", "del", h.Name));
        IpCommand.Run("link", "del", _bridge);
    }
}

/// <summary>One simulated host: its namespace and its address on the LAN.</summary>
public sealed record SimulatedHost(string Name, string Address)
{
    /// <summary>The command that runs a program on this host (<c>ip netns exec</c> execs, so the pid stays).</summary>
    public IReadOnlyList<string> ExecPrefix => ["ip", "netns", "exec", Name];
}
