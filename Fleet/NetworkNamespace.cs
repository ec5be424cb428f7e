namespace OrleansCms.Fleet;

/// <summary>
/// A Linux network namespace joined to the host by a veth pair (<c>ip netns</c>, needs root), for processes that
/// must be cut off from the CMS and reconnected. <see cref="Cut"/> drops every packet between the two, both ways,
/// silently, as when a switch or router between them fails: each side routes its traffic for the other into a
/// "sink" (a veth whose peer is down, which discards what it is given). No connection is reset, and the link and
/// both neighbour (ARP) caches are left as they are. Taking the link down instead would also flush those caches,
/// and after the heal traffic would wait for ARP's next retry, up to a second: a local carrier loss, not a partition.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly string _hostLink;
    private readonly string _sink;
    private readonly string _innerAddress;

    private NetworkNamespace(string name, string hostLink, string sink, string hostAddress, string innerAddress)
    {
        Name = name;
        _hostLink = hostLink;
        _sink = sink;
        HostAddress = hostAddress;
        _innerAddress = innerAddress;
    }

    public string Name { get; }

    /// <summary>The host's address on the link, where processes inside the namespace reach the silos.</summary>
    public string HostAddress { get; }

    /// <summary>The command that runs a program inside the namespace (<c>ip netns exec</c> execs, so the pid stays).</summary>
    public IReadOnlyList<string> ExecPrefix => ["ip", "netns", "exec", Name];

    /// <summary>
    /// Creates the namespace and its link; throws the reason when this host does not allow it (root
    /// and CAP_NET_ADMIN are needed: CI runs as root, and a partition test or benchmark that is skipped proves nothing).
    /// </summary>
    public static NetworkNamespace Create()
    {
        var (created, refusal) = TryCreate();
        return created ?? throw new InvalidOperationException($"a network partition needs a network namespace (run as root with CAP_NET_ADMIN): {refusal}");
    }

    /// <summary>Creates the namespace and its link, or returns why the kernel or the user may not.</summary>
    private static (NetworkNamespace? Namespace, string? Refusal) TryCreate()
    {
        // Names and a /30 subnet of their own, so concurrent runs on one host do not collide.
        var id = Random.Shared.Next(1, 1 << 14);
        var name = $"cms-test-{id}";
        var hostLink = $"cmsh{id}";
        var innerLink = $"cmsn{id}";
        var sink = $"cmsk{id}";
        var subnet = $"10.{200 + (id >> 8) % 50}.{id & 0xff}";
        var hostAddress = $"{subnet}.1";
        var created = new NetworkNamespace(name, hostLink, sink, hostAddress, $"{subnet}.2");
        var refusal = Run("netns", "add", name)
            ?? Run("link", "add", hostLink, "type", "veth", "peer", "name", innerLink)
            ?? Run("link", "set", innerLink, "netns", name)
            ?? Run("addr", "add", $"{hostAddress}/30", "dev", hostLink)
            ?? Run("link", "set", hostLink, "up")
            ?? Run("netns", "exec", name, "ip", "addr", "add", $"{subnet}.2/30", "dev", innerLink)
            ?? Run("netns", "exec", name, "ip", "link", "set", innerLink, "up")
            ?? Run("netns", "exec", name, "ip", "link", "set", "lo", "up")
            // A sink on each side, of the same name: up, without ARP, its peer down.
            ?? Run("link", "add", sink, "type", "veth", "peer", "name", $"{sink}p")
            ?? Run("link", "set", sink, "arp", "off", "up")
            ?? Run("netns", "exec", name, "ip", "link", "add", sink, "type", "veth", "peer", "name", $"{sink}p")
            ?? Run("netns", "exec", name, "ip", "link", "set", sink, "arp", "off", "up");
        if (refusal is null)
        {
            return (created, null);
        }

        created.Dispose();
        return (null, refusal);
    }

    /// <summary>From now on every packet between the namespace and the host is lost, both ways.</summary>
    public void Cut()
    {
        IpCommand.Require("route", "add", $"{_innerAddress}/32", "dev", _sink);
        IpCommand.Require("netns", "exec", Name, "ip", "route", "add", $"{HostAddress}/32", "dev", _sink);
    }

    /// <summary>Packets flow again.</summary>
    public void Heal()
    {
        IpCommand.Require("route", "del", $"{_innerAddress}/32", "dev", _sink);
        IpCommand.Require("netns", "exec", Name, "ip", "route", "del", $"{HostAddress}/32", "dev", _sink);
    }

    public void Dispose()
    {
        // Deleting one end of a veth pair deletes both; both commands are harmless when half-created.
        Run("link", "del", _hostLink);
        Run("link", "del", _sink);
        Run("netns", "del", Name);
    }

    private static string? Run(params string[] args) => IpCommand.Run(args);
}
