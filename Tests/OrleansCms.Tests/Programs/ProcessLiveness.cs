using System.Diagnostics;

namespace OrleansCms.Tests.Programs;

/// <summary>Looks processes up in /proc, so a test can prove that a program left nothing running behind.</summary>
internal static class ProcessLiveness
{
    /// <summary>
    /// Whether <paramref name="processId"/> still runs. A zombie counts as gone: it has died and only waits for
    /// a parent to reap it (an orphan's parent here may be a PID 1 that never reaps).
    /// </summary>
    public static bool IsRunning(int processId)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // pid (comm) state …: comm may contain spaces and parentheses, so the state follows the last ')'.
        var state = stat[(stat.LastIndexOf(')') + 2)..][0];
        return state is not ('Z' or 'X' or 'x');
    }

    /// <summary>Waits until the process is gone; SIGKILL is delivered asynchronously, so a grandchild may take a moment.</summary>
    public static async Task AssertGoneAsync(int processId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (IsRunning(processId))
        {
            Assert.True(clock.Elapsed < timeout, $"process {processId} still runs {timeout.TotalSeconds} s after it should have been killed");
            await Task.Delay(10);
        }
    }
}
