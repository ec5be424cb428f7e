using System.Diagnostics;
using OrleansCms.Programs;
using OrleansCms.SampleProgram;
using OrleansCms.Tests.Fixtures;
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
        Assert.False(ProcessLiveness.IsRunning(program.ProcessId));
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

    [Fact]
    public async Task CheckpointAsync_CallerStopsWaiting_TheNextRequestStillGetsItsOwnReply()
    {
        // The program announces each request it reads, and answers CHECKPOINT 1 only once the test allows it.
        var folder = Directory.CreateTempSubdirectory("cms-program-");
        try
        {
            var script = Ready + $$"""
                cd '{{folder.FullName}}'
                while read -r command id; do
                  touch "asked-$id"
                  if [ "$id" = 1 ]; then while [ ! -e go ]; do sleep 0.01; done; fi
                  printf 'STATE %s 6\nreply%s' "$id" "$id"
                done
                """;
            await using var program = await ProgramProcess.StartAsync(Script(script), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());
            using var stopWaiting = new CancellationTokenSource();
            var first = program.CheckpointAsync(stopWaiting.Token);
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(Path.Combine(folder.FullName, "asked-1"))), Deadline, "the program reads CHECKPOINT 1");

            await stopWaiting.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
            var second = program.CheckpointAsync();
            Assert.False(File.Exists(Path.Combine(folder.FullName, "asked-2")), "CHECKPOINT 2 was sent while CHECKPOINT 1 was unanswered");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "go"), "");

            Assert.Equal("reply2"u8.ToArray(), await second.WaitAsync(Deadline));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CheckpointAsync_ConcurrentCalls_AreAnsweredOneAfterAnother()
    {
        await using var program = await ProgramProcess.StartAsync(
            ProgramLaunch.Sample("--state-mb", "0.5", "--tick-ms", "1"), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());

        var states = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => program.CheckpointAsync()));

        Assert.All(states, state => Assert.Equal(524288UL, SampleState.Parse(state).ImageLength));
    }

    [Fact]
    public async Task StartAsync_HugeStderrLine_IsLoggedCutShort()
    {
        var logger = new ListLogger<ProgramProcess>();
        await using var program = await ProgramProcess.StartAsync(
            Script("head -c 2000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo 'after the flood' >&2; " + Ready + "exec sleep 60"),
            null, new ProgramProtocolOptions(), logger);

        var prefix = $"Program {program.ProcessId}: ";
        await Eventually.TrueAsync(() => Task.FromResult(logger.Messages.Contains(prefix + "after the flood")), Deadline, "the line after the flood is logged");
        var flood = Assert.Single(logger.Messages, m => m.StartsWith(prefix + "xxx", StringComparison.Ordinal));
        Assert.InRange(flood.Length, 1000, 5000);
        Assert.EndsWith("… (1995904 more characters)", flood, StringComparison.Ordinal);
    }
}
