namespace OrleansCms.Fleet;

/// <summary>
/// A Linux network namespace joined to the host by a veth pair (<c>ip netns</c>, needs root), for processes that
/// must be cut off from the CMS and reconnected. <see cref="Cut"/> takes the host end of the link down: packets in
/// both directions are lost, no connection is reset, exactly as when a cable is pulled.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private readonly string _hostLink;

    private NetworkNamespace(string name, string hostLink, string hostAddress)
    {
        Name = name;
        _hostLink = hostLink;
        HostAddress = hostAddress;
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
        var subnet = $"10.{200 + (id >> 8) % 50}.{id & 0xff}";
        var hostAddress = $"{subnet}.1";
        var created = new NetworkNamespace(name, hostLink, hostAddress);
        var refusal = Run("netns", "add", name)
            ?? Run("link", "add", hostLink, "type", "veth", "peer", "name", innerLink)
            ?? Run("link", "set", innerLink, "netns", name)
            ?? Run("addr", "add", $"{hostAddress}/30", "dev", hostLink)
            ?? Run("link", "set", hostLink, "up")
            ?? Run("netns", "exec", name, "ip", "addr", "add", $"{subnet}.2/30", "dev", innerLink)
            ?? Run("netns", "exec", name, "ip", "link", "set", innerLink, "up")
            ?? Run("netns", "exec", name, "ip", "link", "set", "lo", "up");
        if (refusal is null)
        {
            return (created, null);
        }

        created.Dispose();
        return (null, refusal);
    }

    /// <summary>Pulls the cable.</summary>
    public void Cut() => IpCommand.Require("link", "set", _hostLink, "down");

    /// <summary>Plugs it back in.</summary>
    public void Heal() => IpCommand.Require("link", "set", _hostLink, "up");

    public void Dispose()
    {
        // Deleting one end of a veth pair deletes both; both commands are harmless when half-created.
        Run("link", "del", _hostLink);
        Run("netns", "del", Name);
    }

    private static string? Run(params string[] args) => IpCommand.Run(args);
}
