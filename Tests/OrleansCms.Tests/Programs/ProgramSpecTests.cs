using OrleansCms.Agent;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Programs;

/// <summary>The <c>--program</c> syntax of the agent's command line.</summary>
public class ProgramSpecTests
{
    [Fact]
    public void Parse_EveryField_ReadsThemAll()
    {
        var info = ProgramSpec.Parse("name=nav,ram-mb=128,interval-ms=1500,period-ms=10,wcet-ms=2,latency-critical,isolation=continue,cmd=sample --state-mb 16  --dirty 0.1");

        Assert.Equal("nav", info.Name);
        Assert.Equal(128L << 20, info.RamBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), info.CheckpointInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(10), info.Period);
        Assert.Equal(TimeSpan.FromMilliseconds(2), info.Wcet);
        Assert.True(info.LatencyCritical);
        Assert.Equal(IsolationPolicy.Continue, info.Isolation);
        Assert.True(info.Standby); // latency-critical: a warm standby unless standby=off
        Assert.Equal(["sample", "--state-mb", "16", "--dirty", "0.1"], info.Command);
    }

    [Theory]
    [InlineData("name=a,ram-mb=64,cmd=sample", false)]
    [InlineData("name=a,ram-mb=64,standby=on,cmd=sample", true)]
    [InlineData("name=a,ram-mb=64,latency-critical,cmd=sample", true)]
    [InlineData("name=a,ram-mb=64,latency-critical,standby=off,cmd=sample", false)]
    public void Parse_Standby_OnForLatencyCriticalProgramsUnlessTurnedOff(string spec, bool standby) =>
        Assert.Equal(standby, ProgramSpec.Parse(spec).Standby);

    [Fact]
    public void Parse_OnlyRequiredFields_UsesTheDefaults()
    {
        var info = ProgramSpec.Parse("name=logger,ram-mb=32,cmd=/usr/bin/logger-program");

        Assert.Equal(new ProgramInfo("logger", 32L << 20, null, null, false, info.Command, ProgramSpec.DefaultInterval), info);
        Assert.Equal(IsolationPolicy.Freeze, info.Isolation);
        Assert.Equal(["/usr/bin/logger-program"], info.Command);
    }

    [Fact]
    public void Parse_FieldsInAnyOrderWithSpaces_ReadsThem()
    {
        var info = ProgramSpec.Parse(" wcet-ms=5 , latency-critical, period-ms=5, ram-mb=1 ,name=x, cmd=prog a=1,b=2");

        Assert.Equal(("x", 1L << 20, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5), true), (info.Name, info.RamBytes, info.Period!.Value, info.Wcet!.Value, info.LatencyCritical));
        Assert.Equal(["prog", "a=1,b=2"], info.Command);
    }

    [Theory]
    [InlineData("ram-mb=64,cmd=sample", "program spec 'ram-mb=64,cmd=sample' needs name=")]
    [InlineData("name=,ram-mb=64,cmd=sample", "needs name=")]
    [InlineData("name=a,cmd=sample", "program 'a' needs ram-mb=<MiB>")]
    [InlineData("name=a,ram-mb=64", "needs cmd=")]
    [InlineData("name=a,ram-mb=64,cmd=  ", "needs cmd=")]
    [InlineData("name=a,ram-mb=lots,cmd=sample", "program 'a': ram-mb must be a positive whole number of MiB, not 'lots'; write e.g. ram-mb=64.")]
    [InlineData("name=a,ram-mb=0,cmd=sample", "program 'a': ram-mb must be a positive whole number of MiB, not '0'")]
    [InlineData("name=a,ram-mb=-5,cmd=sample", "ram-mb must be a positive whole number of MiB, not '-5'")]
    [InlineData("name=a,ram-mb=1.5,cmd=sample", "ram-mb must be a positive whole number of MiB, not '1.5'")]
    [InlineData("name=a,ram-mb=99999999999999,cmd=sample", "ram-mb must be at most")]
    [InlineData("name=a,ram-mb=64,interval-ms=99999999999999999,cmd=sample", "interval-ms must be at most")]
    [InlineData("name=a,ram-mb=64,color=red,cmd=sample", "unknown program field 'color'")]
    [InlineData("name=a,ram-mb=64,period-ms=10,wcet-ms=20,cmd=sample", "wcet-ms (20) must not exceed period-ms (10); lower wcet-ms or raise period-ms.")]
    [InlineData("name=a,ram-mb=64,period-ms=10,cmd=sample", "both period-ms and wcet-ms, or neither")]
    [InlineData("name=a,ram-mb=64,wcet-ms=1,cmd=sample", "both period-ms and wcet-ms, or neither")]
    [InlineData("name=a,name=b,ram-mb=64,cmd=sample", "field 'name' is given twice; give it once.")]
    [InlineData("name=a,ram-mb=64,latency-critical=no,cmd=sample", "latency-critical takes no value")]
    [InlineData("name=a,ram-mb=64cmd=sample", "ram-mb must be a positive whole number of MiB, not '64cmd=sample'")]
    [InlineData("   ", "is empty; write name=")]
    [InlineData("name=a,ram-mb=64,isolation=run,cmd=sample", "program 'a': isolation must be 'freeze' (the default: stopped while the ECU is cut off) or 'continue' (runs on; moved only on a confirmed failure), not 'run'.")]
    [InlineData("name=a,ram-mb=64,isolation,cmd=sample", "isolation must be 'freeze'")]
    [InlineData("name=a,ram-mb=64,standby=yes,cmd=sample", "program 'a': standby must be 'on' (the CMS keeps the newest checkpoint warm on another ECU) or 'off', not 'yes'.")]
    public void Parse_BadSpec_ThrowsFormatExceptionNamingTheProblem(string spec, string problem)
    {
        var error = Assert.Throws<FormatException>(() => ProgramSpec.Parse(spec));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name=b,ram-mb=0,cmd=sample", "--program #2 ('b'): ram-mb must be a positive whole number of MiB, not '0'; write e.g. ram-mb=64.")]
    [InlineData("ram-mb=0,name=b,cmd=sample", "--program #2 ('b'): ram-mb must be")]
    [InlineData("ram-mb=0,cmd=sample", "--program #2: ram-mb must be")]
    [InlineData("name=b,ram-mb=64", "--program #2 ('b') needs cmd=<command line> as its last field, e.g. cmd=sample")]
    [InlineData("name=b,ram-mb=64,period-ms=10,cmd=sample", "--program #2 ('b') must declare both period-ms and wcet-ms, or neither; add wcet-ms or drop period-ms.")]
    [InlineData("name=b,ram-mb=64,colour=red,cmd=sample", "--program #2 ('b'): unknown program field 'colour'; the fields are name, ram-mb,")]
    [InlineData("", "--program #2 is empty")]
    public void Parse_BadSpecAtAPosition_NamesTheProgramByNameAndPosition(string spec, string message)
    {
        var error = Assert.Throws<FormatException>(() => ProgramSpec.Parse(spec, position: 2));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>(() => ProgramSpec.Parse(null!));
}
