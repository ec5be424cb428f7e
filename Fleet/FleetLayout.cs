using OrleansCms.Security;

namespace OrleansCms.Fleet;

/// <summary>What a fleet run starts: silos first (in order), then agents.</summary>
public sealed record FleetLayout(IReadOnlyList<MemberSpec> Silos, IReadOnlyList<MemberSpec> Agents)
{
    public IEnumerable<MemberSpec> All => Silos.Concat(Agents);

    /// <summary>The gateways in the agents' <c>--cms</c> syntax.</summary>
    public string GatewayList => Gateways(Silos);

    /// <summary>
    /// The fleet of <c>./cms up</c>: two silos (silo ports 11111-11112, gateways 30000-30001, HTTP 8080-8081, each
    /// moved by <paramref name="portOffset"/>) and three ECUs: ecu-1 with a latency-critical brake controller and a
    /// logger, ecu-2 with a navigation program of 16 MiB, and an idle ecu-3 with room for restores. With
    /// <paramref name="tls"/> every member connects over mutual TLS with its own certificate.
    /// </summary>
    public static FleetLayout Default(int portOffset, FleetTlsFiles? tls = null)
    {
        List<MemberSpec> silos = [.. new[] { 1, 2 }.Select(i => MemberSpec.Silo($"silo-{i}", SiloPorts.Numbered(i, portOffset),
            tls?.SiloSettings($"silo-{i}") ?? []))];
        var gateways = Gateways(silos);
        var agents = new List<MemberSpec>
        {
            Agent(1, gateways, tls, "--ram-mb", "1024", "--cpu-cores", "2", "--beside-cms",
                "--program", "name=brake-control,ram-mb=64,interval-ms=1000,period-ms=10,wcet-ms=2,latency-critical,cmd=sample --state-mb 8 --dirty 0.05",
                "--program", "name=logger,ram-mb=32,interval-ms=2000,cmd=sample --state-mb 2 --dirty 0.2"),
            Agent(2, gateways, tls, "--ram-mb", "1024", "--cpu-cores", "2",
                "--program", "name=navigation,ram-mb=128,interval-ms=1000,cmd=sample --state-mb 16 --dirty 0.02"),
            Agent(3, gateways, tls, "--ram-mb", "2048", "--cpu-cores", "4"),
        };
        return new FleetLayout(silos, agents) { Tls = tls };
    }

    /// <summary>The operator that <c>./cms</c>'s own commands (such as <c>migrate</c>) speak as over TLS.</summary>
    public static FleetIdentity Operator { get; } = FleetIdentity.Operator("cms");

    /// <summary>The certificates every member connects with (mutual TLS), or null for plain connections.</summary>
    public FleetTlsFiles? Tls { get; init; }

    /// <summary>The gateways of <paramref name="silos"/> on <paramref name="host"/>, in the agents' <c>--cms</c> syntax.</summary>
    public static string Gateways(IEnumerable<MemberSpec> silos, string host = "127.0.0.1") =>
        string.Join(",", silos.Select(s => $"{host}:{s.Ports!.Gateway}"));

    /// <summary>The member called <paramref name="name"/>, or null.</summary>
    public MemberSpec? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    private static MemberSpec Agent(int number, string gateways, FleetTlsFiles? tls, params string[] more)
    {
        var mac = $"02:00:00:00:00:{number:x2}";
        return MemberSpec.Agent($"ecu-{number}", mac, gateways, ["--name", $"ecu-{number}", .. tls?.AgentOptions(FleetIdentity.Ecu(mac)) ?? [], .. more]);
    }

    /// <summary>The identity of every member, for their certificates: silos by name, agents by MAC.</summary>
    public IEnumerable<FleetIdentity> Identities => All.Select(FleetTlsFiles.IdentityOf);
}
