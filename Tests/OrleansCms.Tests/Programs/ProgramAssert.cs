using Microsoft.Extensions.Logging.Abstractions;
using OrleansCms.Programs;
using OrleansCms.SampleProgram;

namespace OrleansCms.Tests.Programs;

/// <summary>Assertions shared by the program protocol tests.</summary>
internal static class ProgramAssert
{
    private static readonly TimeSpan KillDeadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <paramref name="act"/> throws a <see cref="ProgramProtocolException"/> of <paramref name="violation"/> whose
    /// message holds every one of <paramref name="details"/>; the program is gone afterwards, and this process can
    /// still run a healthy program.
    /// </summary>
    public static async Task<ProgramProtocolException> ViolationAsync(Func<Task> act, ProtocolViolation violation, params string[] details)
    {
        var error = await Assert.ThrowsAsync<ProgramProtocolException>(act);

        Assert.Equal(violation, error.Violation);
        Assert.StartsWith($"Program {error.ProcessId} broke the checkpoint protocol ({violation}): ", error.Message, StringComparison.Ordinal);
        foreach (var detail in details)
        {
            Assert.Contains(detail, error.Message, StringComparison.Ordinal);
        }

        Assert.NotNull(error.Exit);
        Assert.False(ProcessLiveness.IsRunning(error.ProcessId), $"program {error.ProcessId} still runs after {error.Message}");
        await HealthySampleWorksAsync();
        return error;
    }

    /// <summary>Starts the sample program, takes a checkpoint and stops it cleanly.</summary>
    public static async Task HealthySampleWorksAsync()
    {
        await using var sample = await ProgramProcess.StartAsync(
            ProgramLaunch.Sample("--state-mb", "0.01"), restoreState: null, new ProgramProtocolOptions(), NullLogger.Instance);

        var state = SampleState.Parse(await sample.CheckpointAsync());
        await sample.StopAsync();

        Assert.Equal(10486UL, state.ImageLength);
        Assert.Equal(new ProgramExit(0, null, RequestedByAgent: true), await sample.Exited.WaitAsync(KillDeadline));
    }
}
