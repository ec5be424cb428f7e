namespace OrleansCms.Programs;

/// <summary>How a program process ended.</summary>
/// <param name="ExitCode">The exit code; for a death by signal, .NET reports 128 + the signal number.</param>
/// <param name="Signal">The signal that killed the process, inferred from an exit code above 128 on Unix.</param>
/// <param name="RequestedByAgent">Whether the agent had asked it to stop or killed it (a protocol error included).</param>
public sealed record ProgramExit(int ExitCode, int? Signal, bool RequestedByAgent)
{
    public static ProgramExit FromExitCode(int exitCode, bool requestedByAgent) =>
        new(exitCode, !OperatingSystem.IsWindows() && exitCode is > 128 and < 128 + 65 ? exitCode - 128 : null, requestedByAgent);

    public override string ToString() =>
        (Signal is { } signal ? $"was killed by signal {signal}" : $"exited with code {ExitCode}")
        + (RequestedByAgent ? " (requested by the agent)" : " (not requested by the agent)");
}
