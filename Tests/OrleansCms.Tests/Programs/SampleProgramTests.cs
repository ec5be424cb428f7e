using System.Diagnostics;
using OrleansCms.Programs;
using OrleansCms.SampleProgram;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Ingest;

namespace OrleansCms.Tests.Programs;

/// <summary>The bundled sample program, run as a real child process over the checkpoint protocol.</summary>
public class SampleProgramTests
{
    private const int HeaderBytes = 34;
    private const int PageBytes = 4096;
    private const int MiB = 1 << 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckpointAsync_FreshSample_ReturnsItsStateWithTheDeclaredImageSize()
    {
        await using var sample = await StartAsync(null, "--state-mb", "2", "--seed", "1");

        var state = await sample.CheckpointAsync();

        var header = SampleState.Parse(state);
        Assert.Equal((ulong)(2 * MiB), header.ImageLength);
        Assert.Equal(HeaderBytes + (2 * MiB), state.Length);
        Assert.Equal(0UL, header.RestoredFrom);
    }

    [Fact]
    public async Task CheckpointAsync_Repeated_CounterAdvancesWithTheWallClock()
    {
        await using var sample = await StartAsync(null, "--state-mb", "0.25", "--tick-ms", "1");
        var clock = Stopwatch.StartNew();
        var first = SampleState.Parse(await sample.CheckpointAsync());
        var previous = first;
        SampleState next;

        // The counter moves with time, not with requests: ask until a tick has passed.
        do
        {
            next = SampleState.Parse(await sample.CheckpointAsync());
            Assert.True(next.Counter >= previous.Counter, $"counter went back from {previous.Counter} to {next.Counter}");
            Assert.True(clock.Elapsed < Deadline, $"counter stayed at {first.Counter} for {Deadline}");
            previous = next;
        }
        while (next.Counter == first.Counter);

        // Both readings of the program's clock fall inside this test's measurement.
        Assert.InRange(next.Counter - first.Counter, 1UL, (ulong)clock.ElapsedMilliseconds + 1);
    }

    [Fact]
    public async Task StartAsync_RestoreInANewProcess_ContinuesFromTheRestoredCounterAndImage()
    {
        byte[] saved;
        await using (var original = await StartAsync(null, "--state-mb", "1", "--tick-ms", "1", "--dirty", "0"))
        {
            await Eventually.TrueAsync(
                async () => SampleState.Parse(await original.CheckpointAsync()).Counter > 0, Deadline, "the counter leaves 0");
            saved = await original.CheckpointAsync();
            await original.StopAsync();
            Assert.Equal(0, (await original.Exited).ExitCode);
        }

        var savedHeader = SampleState.Parse(saved);
        await using var restored = await StartAsync(saved, "--state-mb", "7", "--tick-ms", "1", "--dirty", "0");
        var state = await restored.CheckpointAsync();

        var header = SampleState.Parse(state);
        Assert.Equal(savedHeader.Counter, header.RestoredFrom);
        Assert.True(header.Counter >= savedHeader.Counter, $"counter {header.Counter} is behind the restored {savedHeader.Counter}");
        Assert.Equal(savedHeader.ImageLength, header.ImageLength);
        Assert.True(saved.AsSpan(HeaderBytes).SequenceEqual(state.AsSpan(HeaderBytes)), "the restored image differs from the saved one");
    }

    [Fact]
    public async Task SpawnThenBegin_APreStartedProcessWaitsSilently_ThenRestoresFromTheStateItIsGiven()
    {
        byte[] saved;
        await using (var original = await StartAsync(null, "--state-mb", "1", "--tick-ms", "1", "--dirty", "0"))
        {
            await Eventually.TrueAsync(
                async () => SampleState.Parse(await original.CheckpointAsync()).Counter > 0, Deadline, "the counter leaves 0");
            saved = await original.CheckpointAsync();
        }

        await using var waiting = await ProgramProcess.SpawnAsync(ProgramLaunch.Sample("--state-mb", "7", "--tick-ms", "1"), new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());
        await waiting.WaitUntilIdleAsync();
        Assert.False(waiting.Exited.IsCompleted, "the pre-started process exited before it was given anything");

        await waiting.BeginAsync(saved);

        var header = SampleState.Parse(await waiting.CheckpointAsync());
        Assert.Equal(SampleState.Parse(saved).Counter, header.RestoredFrom);
        Assert.Equal(SampleState.Parse(saved).ImageLength, header.ImageLength);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.25)]
    [InlineData(0.6)]
    public async Task CheckpointAsync_WithDirty_RewritesAboutThatShareOfTheImageInFewRuns(double dirty)
    {
        const int ImageBytes = 4 * MiB;
        await using var sample = await StartAsync(null, "--state-mb", "4", "--dirty", dirty.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var previous = await sample.CheckpointAsync();
        var target = dirty * ImageBytes;

        for (var pair = 0; pair < 8; pair++)
        {
            var current = await sample.CheckpointAsync();
            var (dirtyPages, runs) = DirtyPages(previous.AsSpan(HeaderBytes), current.AsSpan(HeaderBytes));

            // The dirty share is rounded up to whole pages, and the runs never overlap.
            Assert.InRange((double)dirtyPages * PageBytes, target, target + PageBytes);
            Assert.InRange(runs, 1, 8);
            previous = current;
        }
    }

    [Fact]
    public async Task StartAsync_RestoreWithAForeignState_SampleExitsWithCode3()
    {
        var error = await ProgramAssert.ViolationAsync(
            () => StartAsync("not a sample state"u8.ToArray()),
            ProtocolViolation.OutputClosed,
            "output ended while the agent expected READY",
            "it exited with code 3 (not requested by the agent)");

        Assert.Equal(new ProgramExit(3, null, RequestedByAgent: false), error.Exit);
    }

    [Fact]
    public async Task StartAsync_BadOption_SampleExitsWithCode2()
    {
        var error = await ProgramAssert.ViolationAsync(() => StartAsync(null, "--dirty", "7"), ProtocolViolation.OutputClosed);

        Assert.Equal(new ProgramExit(2, null, RequestedByAgent: false), error.Exit);
    }

    /// <summary>The 4 KiB pages that differ between two images, and how many contiguous runs they form.</summary>
    private static (int Pages, int Runs) DirtyPages(ReadOnlySpan<byte> before, ReadOnlySpan<byte> after)
    {
        Assert.Equal(before.Length, after.Length);
        var (pages, runs, inRun) = (0, 0, false);
        for (var offset = 0; offset < before.Length; offset += PageBytes)
        {
            var length = Math.Min(PageBytes, before.Length - offset);
            var changed = !before.Slice(offset, length).SequenceEqual(after.Slice(offset, length));
            pages += changed ? 1 : 0;
            runs += changed && !inRun ? 1 : 0;
            inRun = changed;
        }

        return (pages, runs);
    }

    private static Task<ProgramProcess> StartAsync(byte[]? restoreState, params string[] args) =>
        ProgramProcess.StartAsync(ProgramLaunch.Sample(args), restoreState, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());
}
