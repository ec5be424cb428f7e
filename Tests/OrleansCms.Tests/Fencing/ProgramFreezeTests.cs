using OrleansCms.Programs;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Ingest;
using OrleansCms.Tests.Programs;
using static OrleansCms.Tests.Programs.ShellProgram;

namespace OrleansCms.Tests.Fencing;

/// <summary>Freezing a program: its whole process tree stops, its protocol timeouts stand still, and a stop kills it frozen.</summary>
public class ProgramFreezeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Freeze_StopsTheProgramAndEveryChild_ThawLetsThemRunOn()
    {
        await using var program = await ProgramProcess.StartAsync(
            Script(Ready + "sleep 60 & sleep 60 & while read line; do :; done"), null, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());
        var tree = await Eventually.ReturnsAsync(
            () => Task.FromResult<IReadOnlyList<int>>([program.ProcessId, .. ProcessTree.Descendants(program.ProcessId)]),
            pids => pids.Count == 3, Deadline, "the program started its two children");

        program.Freeze();

        Assert.True(program.IsFrozen);
        await Eventually.TrueAsync(() => Task.FromResult(tree.All(pid => ProcessTree.State(pid) == 'T')), Deadline, "all three processes are stopped");

        program.Thaw();

        Assert.False(program.IsFrozen);
        await Eventually.TrueAsync(() => Task.FromResult(tree.All(pid => ProcessTree.State(pid) is 'S' or 'R')), Deadline, "all three run again");
    }

    [Fact]
    public async Task CheckpointRequestedWhileFrozen_OutlastsCheckpointTimeout_AndIsAnsweredAfterTheThaw()
    {
        // Long enough for a thawed .NET program to answer on a loaded machine, short enough to be outlasted.
        var options = new ProgramProtocolOptions { CheckpointTimeout = TimeSpan.FromSeconds(2) };
        await using var program = await ProgramProcess.StartAsync(ProgramLaunch.Sample("--state-mb", "0.1"), null, options, new ListLogger<ProgramProcess>());
        program.Freeze();

        var checkpoint = program.CheckpointAsync();
        // Two timeouts long: a timeout that kept running while frozen would have killed the program by now.
        var finishedWhileFrozen = await Task.WhenAny(checkpoint, Task.Delay(options.CheckpointTimeout * 2)) == checkpoint;
        Assert.False(finishedWhileFrozen, $"the frozen program's checkpoint ended: {checkpoint.Exception?.GetBaseException().Message ?? "answered"}");
        Assert.True(ProcessLiveness.IsRunning(program.ProcessId));

        program.Thaw();

        var state = await checkpoint.WaitAsync(Deadline);
        Assert.NotEmpty(state);
    }

    [Fact]
    public async Task StopAsync_FrozenProgram_IsKilledWithoutBeingThawed()
    {
        var options = new ProgramProtocolOptions { StopTimeout = TimeSpan.FromSeconds(30) };
        await using var program = await ProgramProcess.StartAsync(
            Script(Ready + "while read line; do :; done; exit 0"), null, options, new ListLogger<ProgramProcess>());
        program.Freeze();

        await program.StopAsync().WaitAsync(Deadline);

        Assert.Equal(new ProgramExit(137, 9, RequestedByAgent: true), await program.Exited.WaitAsync(Deadline));
    }
}
