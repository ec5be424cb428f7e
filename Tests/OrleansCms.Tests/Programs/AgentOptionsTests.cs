using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansCms.Agent;
using OrleansCms.Cli;
using OrleansCms.Ingest;
using OrleansCms.Programs;

namespace OrleansCms.Tests.Programs;

/// <summary>
/// The agent's options as its host builds them: flags become configuration keys, what no flag sets keeps its
/// default, and a bad key stops the start with one line that names it.
/// </summary>
public sealed class AgentOptionsTests
{
    private const string Mac = "02:00:00:00:77:02";

    [Fact]
    public void Settings_Flags_SetTheirKeys()
    {
        var result = AgentCommandLine.Build().Parse([
            "--cms", "127.0.0.1:30000,127.0.0.1:30001", "--mac", "02-00-00-00-77-02", "--ram-mb", "64", "--cluster-id", "c1",
            "--heartbeat-ms", "250", "--buffer-mb", "3", "--beside-cms", "--program", "name=a,ram-mb=8,cmd=sample"]);

        var settings = AgentCommandLine.Settings(result);

        Assert.Equal(Mac, settings["Agent:Mac"]);
        Assert.Equal("127.0.0.1:30000,127.0.0.1:30001", settings["Agent:Gateways"]);
        Assert.Equal(((64L << 20)).ToString(System.Globalization.CultureInfo.InvariantCulture), settings["Agent:RamBytes"]);
        Assert.Equal(("c1", "c1"), (settings["Agent:ClusterId"], settings["Agent:ServiceId"]));
        Assert.Equal("00:00:00.2500000", settings["Agent:HeartbeatInterval"]);
        Assert.Equal("true", settings["Agent:BesideCmsSilo"]);
        Assert.Equal("name=a,ram-mb=8,cmd=sample", settings["Agent:Programs:0"]);
        Assert.Equal((3L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), settings["Agent:Ingest:BufferBytes"]);
        Assert.False(settings.ContainsKey("Agent:CpuCores"));
    }

    [Fact]
    public void Build_FlagsOnly_TheOptionsTheAgentHadBefore()
    {
        using var host = Build(new() { ["Agent:RamBytes"] = (64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture) });

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var agent = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;

        Assert.Equal((Mac, "ecu-7702"), (agent.Mac, agent.Name));
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 1)], agent.Gateways);
        Assert.Equal(("orleans-cms", "orleans-cms"), (agent.ClusterId, agent.ServiceId));
        Assert.Equal(TimeSpan.FromMilliseconds(500), agent.HeartbeatInterval);
        Assert.True(agent.SharesHost);
        Assert.Equal(64L << 20, agent.RamBytes);
        Assert.True(agent.CpuCores > 0);
        Assert.Equal(256L << 20, host.Services.GetRequiredService<IOptions<IngestClientOptions>>().Value.BufferBytes);
        Assert.Equal(1L << 30, host.Services.GetRequiredService<IOptions<ProgramProtocolOptions>>().Value.MaxStateBytes);
    }

    [Theory]
    [InlineData("Agent:Ingest:ChunkSize", "1", "Agent:Ingest:ChunkSize: The field ChunkSize must be between 4096 and 1048576.")]
    [InlineData("Agent:Ingest:InitialBackoff", "00:00:30", "Agent:Ingest:MaxBackoff: MaxBackoff must not be shorter than InitialBackoff.")]
    [InlineData("Agent:Protocol:StopTimeout", "00:00:00", "Agent:Protocol:StopTimeout: The field StopTimeout must be between")]
    [InlineData("Agent:HeartbeatInterval", "00:00:00.001", "Agent:HeartbeatInterval: The field HeartbeatInterval must be between")]
    [InlineData("Agent:Mac", "zz", "Agent:Mac 'zz' is not a MAC address")]
    [InlineData("Agent:Gateways", "localhost", "Agent:Gateways: 'localhost' is not host:port; write e.g. Agent:Gateways=127.0.0.1:30000")]
    [InlineData("Agent:Programs:0", "ram-mb=8,cmd=x", "--program #1 needs name=<name>")]
    public void Start_BadKey_OneLineThatNamesIt(string key, string value, string message)
    {
        using var host = Build(new() { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.True(AgentStartupFailure.TryDescribe(error, out var line), error.ToString());
        Assert.StartsWith(message, line, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Agent:Gateways", "127.0.0.1:1");
        settings.TryAdd("Agent:Mac", Mac);
        return AgentHost.Create(settings, tls: null, keepTrying: () => false).Build();
    }
}
