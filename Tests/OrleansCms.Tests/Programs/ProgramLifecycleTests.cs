using System.Diagnostics;
using OrleansCms.Programs;
using OrleansCms.Tests.Ingest;
using static OrleansCms.Tests.Programs.ShellProgram;

namespace OrleansCms.Tests.Programs;

/// <summary>How a program's end is brought about and reported: STOP, StopTimeout, the agent's kill, a kill from outside.</summary>
public class ProgramLifecycleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task StopAsync_ProgramIgnoresStop_KillsItAfterStopTimeout()
    {
        var logger = new ListLogger<ProgramProcess>();
        var options = new ProgramProtocolOptions { StopTimeout = TimeSpan.FromMilliseconds(500) };
        await using var program = await ProgramProcess.StartAsync(Script(Ready + "exec sleep 60"), null, options, logger);
        var clock = Stopwatch.StartNew();

        await program.StopAsync();

        Assert.InRange(clock.Elapsed, options.StopTimeout - TimeSpan.FromMilliseconds(20), Deadline);
        Assert.Equal(new ProgramExit(137, 9, RequestedByAgent: true), await program.Exited.WaitAsync(Deadline));
        Assert.False(ProcessTable.IsRunning(program.ProcessId));
        Assert.Contains($"Program {program.ProcessId} did not exit within 00:00:00.5000000 of STOP; killing its process tree", logger.Messages);
    }

    [Fact]
    public async Task StopAsync_ProgramThatExitsOnEndOfInput_ExitsBeforeStopTimeout()
    {
        // This program ignores the STOP line itself and only notices that stdin was closed after it.
        var options = new ProgramProtocolOptions { StopTimeout = TimeSpan.FromSeconds(30) };
        await using var program = await ProgramProcess.StartAsync(
            Script(Ready + "while read line; do :; done; exit 0"), null, options, new ListLogger<ProgramProcess>());
        var clock = Stopwatch.StartNew();

        await program.StopAsync();

        Assert.True(clock.Elapsed < Deadline, $"StopAsync took {clock.Elapsed}");
        Assert.Equal(new ProgramExit(0, null, RequestedByAgent: true), await program.Exited.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Kill_RunningSample_ExitedReportsSignal9RequestedByTheAgent()
    {
        await using var program = await ProgramProcess.StartAsync(
            ProgramLaunch.Sample("--state-mb", "0.1"), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());

        program.Kill();

        Assert.Equal(new ProgramExit(137, 9, RequestedByAgent: true), await program.Exited.WaitAsync(Deadline));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => program.CheckpointAsync());
        Assert.Equal($"Program {program.ProcessId} was stopped or killed by the agent.", error.Message);
    }

    [Fact]
    public async Task Exited_SampleKilledFromOutside_ReportsSignal9NotRequestedByTheAgent()
    {
        await using var program = await ProgramProcess.StartAsync(
            ProgramLaunch.Sample("--state-mb", "0.1"), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());
        await program.CheckpointAsync();

        using (var outside = new Process { StartInfo = new ProcessStartInfo("kill", ["-KILL", program.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) })
        {
            outside.Start();
            await outside.WaitForExitAsync();
            Assert.Equal(0, outside.ExitCode);
        }

        var exit = await program.Exited.WaitAsync(Deadline);
        Assert.Equal(new ProgramExit(137, 9, RequestedByAgent: false), exit);
        Assert.Equal("was killed by signal 9 (not requested by the agent)", exit.ToString());
        var error = await Assert.ThrowsAsync<ProgramProtocolException>(() => program.CheckpointAsync());
        Assert.Equal(ProtocolViolation.OutputClosed, error.Violation);
        Assert.EndsWith("it was killed by signal 9 (not requested by the agent).", error.Message, StringComparison.Ordinal);
    }
}
