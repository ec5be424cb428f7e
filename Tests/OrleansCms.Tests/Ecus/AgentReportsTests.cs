using OrleansCms.Checkpoints;
using OrleansCms.Ecus;

namespace OrleansCms.Tests.Ecus;

/// <summary>The checks an agent's registration and heartbeats pass, and that an ECU is known by its canonical MAC only.</summary>
public sealed class AgentReportsTests
{
    private static readonly EcuMetrics Metrics = new(0.5, 100, 1000);
    private static readonly RunningProgram Program = new(0, "p", true, 1, RssBytes: 10, CpuLoad: 0.1);

    [Fact]
    public void Validate_SoundReports_Accepted()
    {
        AgentReports.Validate(new EcuRegistration("ecu", 1, 1));
        AgentReports.Validate(new EcuHeartbeat(Metrics, [Program]));
        AgentReports.Validate(new EcuHeartbeat(new EcuMetrics(1, 0, 0), null!));
    }

    public static TheoryData<string, EcuRegistration?> BadRegistrations => new()
    {
        { "null", null },
        { "blank name", new EcuRegistration(" ", 1, 1) },
        { "no RAM", new EcuRegistration("ecu", 0, 1) },
        { "no cores", new EcuRegistration("ecu", 1, 0) },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public void Validate_BadRegistration_Refused(string name, EcuRegistration? registration)
    {
        Assert.Contains("registration needs", Assert.Throws<ArgumentException>(() => AgentReports.Validate(registration)).Message);
        Assert.False(string.IsNullOrEmpty(name));
    }

    public static TheoryData<string, EcuHeartbeat> BadHeartbeats => new()
    {
        { "NaN CPU", new EcuHeartbeat(Metrics with { CpuLoad = double.NaN }, []) },
        { "CPU above 1", new EcuHeartbeat(Metrics with { CpuLoad = 1.01 }, []) },
        { "negative CPU", new EcuHeartbeat(Metrics with { CpuLoad = -0.01 }, []) },
        { "negative RAM used", new EcuHeartbeat(Metrics with { RamUsedBytes = -1 }, []) },
        { "negative RAM total", new EcuHeartbeat(Metrics with { RamTotalBytes = -1 }, []) },
        { "null program", new EcuHeartbeat(Metrics, [null!]) },
        { "negative program ID", new EcuHeartbeat(Metrics, [Program with { ProgramId = -1 }]) },
        { "no program name", new EcuHeartbeat(Metrics, [Program with { Name = null! }]) },
        { "negative RSS", new EcuHeartbeat(Metrics, [Program with { RssBytes = -1 }]) },
        { "infinite program CPU", new EcuHeartbeat(Metrics, [Program with { CpuLoad = double.PositiveInfinity }]) },
        { "negative program CPU", new EcuHeartbeat(Metrics, [Program with { CpuLoad = -0.1 }]) },
        { "negative version", new EcuHeartbeat(Metrics, [Program with { LastAcknowledgedVersion = -1 }]) },
    };

    [Theory]
    [MemberData(nameof(BadHeartbeats))]
    public void Validate_ImpossibleMeasurement_Refused(string name, EcuHeartbeat heartbeat)
    {
        var error = Assert.Throws<ArgumentException>(() => AgentReports.Validate(heartbeat));
        Assert.Equal("heartbeat", error.ParamName);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void Validate_NoHeartbeatOrNoMetrics_Refused()
    {
        Assert.Throws<ArgumentNullException>(() => AgentReports.Validate((EcuHeartbeat?)null));
        Assert.Throws<ArgumentNullException>(() => AgentReports.Validate(new EcuHeartbeat(null!, [])));
    }

    [Fact]
    public void Mac_CanonicalKey_TheKeyItself()
    {
        Assert.Equal("aa:bb:cc:dd:ee:ff", EcuKey.Mac("aa:bb:cc:dd:ee:ff"));
    }

    [Theory]
    [InlineData("AA:BB:CC:DD:EE:FF")]
    [InlineData("aa-bb-cc-dd-ee-ff")]
    [InlineData("aabbccddeeff")]
    [InlineData("not a mac")]
    [InlineData("")]
    public void Mac_AnyOtherKey_RefusedAsMalformed(string key)
    {
        Assert.Equal(RejectReason.MalformedMac, Assert.Throws<CheckpointRejectedException>(() => EcuKey.Mac(key)).Reason);
    }
}
