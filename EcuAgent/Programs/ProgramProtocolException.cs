namespace OrleansCms.Programs;

/// <summary>What a program did wrong (see docs/program-protocol.md).</summary>
public enum ProtocolViolation
{
    /// <summary>A header line other than the one expected.</summary>
    UnexpectedMessage,

    /// <summary>A header line longer than the limit.</summary>
    HeaderTooLong,

    /// <summary>A STATE announcing more bytes than MaxStateBytes.</summary>
    StateTooLarge,

    /// <summary>A STATE whose id is not the id of the CHECKPOINT it answers.</summary>
    IdMismatch,

    /// <summary>Output ended in the middle of a STATE payload.</summary>
    Truncated,

    /// <summary>No READY within StartTimeout, or no complete STATE within CheckpointTimeout.</summary>
    Timeout,

    /// <summary>Output ended (the program exited or closed stdout/stdin) while the agent expected a message.</summary>
    OutputClosed,
}

/// <summary>
/// A program broke the checkpoint protocol. The agent has killed it (unless it had exited already) by
/// the time this is thrown; <see cref="Exit"/> says how it ended when that was known within StopTimeout.
/// </summary>
public sealed class ProgramProtocolException(ProtocolViolation violation, int processId, string message, ProgramExit? exit)
    : Exception(message)
{
    public ProtocolViolation Violation { get; } = violation;

    public int ProcessId { get; } = processId;

    public ProgramExit? Exit { get; } = exit;
}
