using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansCms.Agent;
using OrleansCms.Cli;
using OrleansCms.Ingest;
using OrleansCms.Programs;
using OrleansCms.Fleet;

namespace OrleansCms.Tests.Programs;

/// <summary>
/// The agent's options come from configuration, the flags setting their keys: the flags give the options they always
/// gave, keys without a flag reach their options, and a bad setting stops the start with one line naming its key.
/// </summary>
public sealed class AgentOptionsTests
{
    private const string Mac = "02:00:00:00:77:01";

    [Fact]
    public void Flags_SetTheOptionsTheyAlwaysSet()
    {
        using var host = Build(Flags(
            "--cms", "127.0.0.1:30000, 127.0.0.1:30001", "--mac", "02-00-00-00-77-0A", "--ram-mb", "512", "--cpu-cores", "2",
            "--heartbeat-ms", "250", "--buffer-mb", "16", "--beside-cms", "--cluster-id", "fleet-7",
            "--program", "name=a,ram-mb=8,cmd=sample", "--program", "name=b,ram-mb=8,cmd=sample --state-mb 1"));

        var agent = Options<AgentOptions>(host);
        Assert.Equal("02:00:00:00:77:0a", agent.Mac);
        Assert.Equal("ecu-770a", agent.Name);
        Assert.Equal((512L << 20, 2, true), (agent.RamBytes, agent.CpuCores, agent.SharesHost));
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 30000), new IPEndPoint(IPAddress.Loopback, 30001)], agent.Gateways);
        Assert.Equal(("fleet-7", "fleet-7"), (agent.ClusterId, agent.ServiceId));
        Assert.Equal(TimeSpan.FromMilliseconds(250), agent.HeartbeatInterval);
        Assert.True(agent.BesideCmsSilo);
        Assert.Equal(["name=a,ram-mb=8,cmd=sample", "name=b,ram-mb=8,cmd=sample --state-mb 1"], agent.Programs);
        Assert.Equal(16L << 20, Options<IngestClientOptions>(host).BufferBytes);
    }

    [Fact]
    public void FlagsLeftOut_DefaultsAndTheHostsCapacity()
    {
        using var host = Build(Flags("--cms", "127.0.0.1:30000", "--mac", Mac));

        var agent = Options<AgentOptions>(host);
        Assert.Equal("ecu-7701", agent.Name);
        Assert.Equal(Environment.ProcessorCount, agent.CpuCores);
        Assert.True(agent.RamBytes > 0);
        Assert.False(agent.SharesHost);
        Assert.Equal(("orleans-cms", "orleans-cms"), (agent.ClusterId, agent.ServiceId));
        Assert.Equal(TimeSpan.FromMilliseconds(500), agent.HeartbeatInterval);
        Assert.False(agent.BesideCmsSilo);
        Assert.Empty(agent.Programs);
        Assert.Equal(256L << 20, Options<IngestClientOptions>(host).BufferBytes);
    }

    [Fact]
    public void KeysWithoutAFlag_ReachTheirOptions()
    {
        using var host = Build(new Dictionary<string, string?>(Flags("--cms", "127.0.0.1:30000", "--mac", Mac))
        {
            ["Agent:Ingest:ChunkSize"] = "8192",
            ["Agent:Ingest:MaxConcurrentOffers"] = "2",
            ["Agent:Protocol:StopTimeout"] = "00:00:01",
        });

        Assert.Equal((8192, 2), (Options<IngestClientOptions>(host).ChunkSize, Options<IngestClientOptions>(host).MaxConcurrentOffers));
        Assert.Equal(TimeSpan.FromSeconds(1), Options<ProgramProtocolOptions>(host).StopTimeout);
    }

    [Theory]
    [InlineData("Agent:Ingest:ChunkSize", "1", "Agent:Ingest:ChunkSize: The field ChunkSize must be between 4096 and 1048576.")]
    [InlineData("Agent:Ingest:MaxBackoff", "00:00:00.010", "Agent:Ingest:MaxBackoff: MaxBackoff must not be shorter than InitialBackoff.")]
    [InlineData("Agent:Protocol:StartTimeout", "00:00:00", "Agent:Protocol:StartTimeout: The field StartTimeout must be between")]
    [InlineData("Agent:HeartbeatInterval", "00:00:00.001", "Agent:HeartbeatInterval: The field HeartbeatInterval must be between")]
    [InlineData("Agent:HeartbeatInterval", "often", "Failed to convert configuration value 'often' at 'Agent:HeartbeatInterval'")]
    [InlineData("Agent:Mac", "zz", "Agent:Mac 'zz' is not a MAC address; write six hex bytes")]
    [InlineData("Agent:Name", " ", "Agent:Name must not be empty")]
    [InlineData("Agent:Gateways", "localhost", "Agent:Gateways: 'localhost' is not host:port; write e.g. Agent:Gateways=127.0.0.1:30000,127.0.0.1:30001.")]
    [InlineData("Agent:Gateways", "", "Agent:Gateways: no CMS gateway given; use --cms host:port[,host:port...].")]
    [InlineData("Agent:Programs:0", "ram-mb=8,cmd=x", "Agent:Programs:0: --program #1 needs name=<name>")]
    public void Start_BadSetting_OneLineThatNamesIt(string key, string value, string message)
    {
        using var host = Build(new Dictionary<string, string?> { ["Agent:Mac"] = Mac, ["Agent:Gateways"] = "127.0.0.1:30000", [key] = value });

        var error = Assert.ThrowsAny<Exception>(host.Services.GetRequiredService<IStartupValidator>().Validate);

        Assert.True(AgentStartupFailure.TryDescribe(error, out var line), error.ToString());
        Assert.StartsWith(message, line, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Speed", "Process")]
    public async Task Run_BadSettingInTheEnvironment_ExitsTwoWithOneLineNamingTheKey()
    {
        await using var agent = DotnetProcess.Start(ProductPaths.Checkout.AgentDll, ["--cms", "127.0.0.1:1", "--mac", Mac],
            new LaunchOptions { Environment = new Dictionary<string, string?> { ["Agent__Ingest__ChunkSize"] = "1" } });

        Assert.Equal(2, await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(["ecu-agent: Agent:Ingest:ChunkSize: The field ChunkSize must be between 4096 and 1048576."], agent.StandardError);
    }

    private static Dictionary<string, string?> Flags(params string[] args) => AgentCommandLine.Settings(AgentCommandLine.Build().Parse(args));

    private static IHost Build(Dictionary<string, string?> settings) => AgentHost.Create(settings, tls: null, keepTrying: () => false).Build();

    private static T Options<T>(IHost host) where T : class => host.Services.GetRequiredService<IOptions<T>>().Value;
}
