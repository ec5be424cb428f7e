using OrleansCms.Programs;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Ingest;
using static OrleansCms.Tests.Programs.ShellProgram;

namespace OrleansCms.Tests.Programs;

/// <summary>Programs that break docs/program-protocol.md: each is killed, reported clearly, and harms nothing else.</summary>
public class ProgramProtocolViolationTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task StartAsync_GarbageInsteadOfReady_ThrowsUnexpectedMessage()
    {
        var error = await ProgramAssert.ViolationAsync(
            () => StartAsync("read line; printf 'HELLO\\n'; exec sleep 60"),
            ProtocolViolation.UnexpectedMessage,
            "expected READY, received \"HELLO\"");

        Assert.Equal(new ProgramExit(137, 9, RequestedByAgent: true), error.Exit);
    }

    [Fact]
    public async Task StartAsync_HeaderLineLongerThanTheLimit_ThrowsHeaderTooLong()
    {
        await ProgramAssert.ViolationAsync(
            () => StartAsync("read line; head -c 1000 /dev/zero | tr '\\0' x; exec sleep 60"),
            ProtocolViolation.HeaderTooLong,
            "expected READY, received a header line longer than 128 bytes: \"xxxx");
    }

    [Fact]
    public async Task StartAsync_NoReadyWithinStartTimeout_ThrowsTimeout()
    {
        await ProgramAssert.ViolationAsync(
            () => StartAsync("exec sleep 60", new ProgramProtocolOptions { StartTimeout = Short }),
            ProtocolViolation.Timeout,
            "no READY within StartTimeout = 00:00:00.3000000; received nothing",
            "it was killed by signal 9 (requested by the agent)");
    }

    [Fact]
    public async Task StartAsync_ProgramNeverReadsItsRestoreState_ThrowsTimeoutInsteadOfBlocking()
    {
        // 4 MiB is far more than a pipe holds: the write itself blocks until StartTimeout cancels it.
        var start = ProgramProcess.StartAsync(
            Script("exec sleep 60"), new byte[4 << 20], new ProgramProtocolOptions { StartTimeout = Short }, new ListLogger<ProgramProcess>());

        await ProgramAssert.ViolationAsync(() => start.WaitAsync(TimeSpan.FromSeconds(20)), ProtocolViolation.Timeout, "no READY within StartTimeout");
    }

    [Fact]
    public async Task StartAsync_ProgramExitsRightAfterStart_ThrowsOutputClosedWithItsExitCode()
    {
        var error = await ProgramAssert.ViolationAsync(
            () => StartAsync("read line; echo 'giving up' >&2; exit 5"),
            ProtocolViolation.OutputClosed,
            "output ended while the agent expected READY; received nothing",
            "it exited with code 5 (not requested by the agent)");

        Assert.Equal(new ProgramExit(5, null, RequestedByAgent: false), error.Exit);
    }

    [Fact]
    public async Task StartAsync_ProgramThatCannotBeStarted_ThrowsInvalidOperation()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ProgramProcess.StartAsync(
            new ProgramLaunch("/nonexistent/program", []), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>()));

        Assert.Contains("Cannot start program '/nonexistent/program'", error.Message, StringComparison.Ordinal);
        await ProgramAssert.HealthySampleWorksAsync();
    }

    [Fact]
    public async Task CheckpointAsync_GarbageInsteadOfState_ThrowsUnexpectedMessage()
    {
        await using var program = await StartAsync(ReadyThenCheckpoint + "printf 'NOPE\\n'; exec sleep 60");

        await ProgramAssert.ViolationAsync(
            () => program.CheckpointAsync(),
            ProtocolViolation.UnexpectedMessage,
            "expected STATE 1 <n>, received \"NOPE\"");
    }

    [Fact]
    public async Task CheckpointAsync_StateWithAnotherId_ThrowsIdMismatch()
    {
        await using var program = await StartAsync(ReadyThenCheckpoint + "printf 'STATE 2 3\\nabc'; exec sleep 60");

        await ProgramAssert.ViolationAsync(
            () => program.CheckpointAsync(),
            ProtocolViolation.IdMismatch,
            "CHECKPOINT 1 was answered with \"STATE 2 3\"");
    }

    [Fact]
    public async Task CheckpointAsync_StateLargerThanMaxStateBytes_ThrowsStateTooLargeWithoutReadingIt()
    {
        // The program goes on to flood its output: the agent must stop at the header, not buffer the flood.
        await using var program = await StartAsync(
            ReadyThenCheckpoint + "printf 'STATE 1 5000000000\\n'; exec cat /dev/zero",
            new ProgramProtocolOptions { MaxStateBytes = 1000 });

        await ProgramAssert.ViolationAsync(
            () => program.CheckpointAsync(),
            ProtocolViolation.StateTooLarge,
            "\"STATE 1 5000000000\" announces 5000000000 bytes, more than MaxStateBytes = 1000");
    }

    [Fact]
    public async Task CheckpointAsync_PayloadShorterThanAnnounced_ThrowsTruncated()
    {
        await using var program = await StartAsync(ReadyThenCheckpoint + "printf 'STATE 1 1000\\n'; head -c 10 /dev/zero; exit 0");

        var error = await ProgramAssert.ViolationAsync(
            () => program.CheckpointAsync(),
            ProtocolViolation.Truncated,
            "STATE 1 announced 1000 bytes but output ended after 10");

        Assert.Equal(new ProgramExit(0, null, RequestedByAgent: false), error.Exit);
    }

    [Fact]
    public async Task CheckpointAsync_NoAnswerWithinCheckpointTimeout_ThrowsTimeout()
    {
        await using var program = await StartAsync(
            ReadyThenCheckpoint + "exec sleep 60", new ProgramProtocolOptions { CheckpointTimeout = Short });

        await ProgramAssert.ViolationAsync(
            () => program.CheckpointAsync(),
            ProtocolViolation.Timeout,
            "no STATE 1 <n> within CheckpointTimeout = 00:00:00.3000000",
            "it was killed by signal 9 (requested by the agent)");
    }

    [Fact]
    public async Task CheckpointAsync_PayloadStallsPastCheckpointTimeout_ThrowsTimeout()
    {
        await using var program = await StartAsync(
            ReadyThenCheckpoint + "printf 'STATE 1 1000\\n'; head -c 10 /dev/zero; exec sleep 60",
            new ProgramProtocolOptions { CheckpointTimeout = Short });

        await ProgramAssert.ViolationAsync(() => program.CheckpointAsync(), ProtocolViolation.Timeout, "within CheckpointTimeout = 00:00:00.3000000");
    }

    [Fact]
    public async Task CheckpointAsync_AfterAViolation_ThrowsInvalidOperationNamingIt()
    {
        await using var program = await StartAsync(ReadyThenCheckpoint + "printf 'NOPE\\n'; exec sleep 60");
        var violation = await Assert.ThrowsAsync<ProgramProtocolException>(() => program.CheckpointAsync());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => program.CheckpointAsync());

        Assert.Equal($"Program {program.ProcessId} was killed after a protocol error.", error.Message);
        Assert.Same(violation, error.InnerException);
    }

    [Fact]
    public async Task CheckpointAsync_ViolationByAProgramWithChildren_KillsTheWholeTree()
    {
        var logger = new ListLogger<ProgramProcess>();
        await using var program = await StartAsync(
            "sleep 60 & echo \"child $!\" >&2; " + ReadyThenCheckpoint + "printf 'NOPE\\n'; wait", logger: logger);
        var childLine = await Eventually.ReturnsAsync(
            () => Task.FromResult(logger.Messages.FirstOrDefault(m => m.StartsWith($"Program {program.ProcessId}: child ", StringComparison.Ordinal))),
            line => line is not null, TimeSpan.FromSeconds(10), "the program logs its child's pid");
        var child = int.Parse(childLine![(childLine!.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProcessLiveness.IsRunning(child));

        await ProgramAssert.ViolationAsync(() => program.CheckpointAsync(), ProtocolViolation.UnexpectedMessage, "received \"NOPE\"");

        await ProcessLiveness.AssertGoneAsync(child, TimeSpan.FromSeconds(5));
        Assert.Contains(logger.Messages, m => m.StartsWith($"Program {program.ProcessId} killed: Program {program.ProcessId} broke", StringComparison.Ordinal));
    }

    private static Task<ProgramProcess> StartAsync(string script, ProgramProtocolOptions? options = null, ListLogger<ProgramProcess>? logger = null) =>
        ProgramProcess.StartAsync(Script(script), restoreState: null, options ?? new ProgramProtocolOptions(), logger ?? new ListLogger<ProgramProcess>());
}
