using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>What came of sending one restore command, as <see cref="RestorationPlan.Record"/> takes it.</summary>
public abstract record RestoreAnswer
{
    private RestoreAnswer()
    {
    }

    /// <summary>
    /// What a refusal means. A refusal means nothing was registered, except after a repeat: a first attempt
    /// registered the copy, the target was fenced and rejoined meanwhile, and the repeat found that entry ended.
    /// That copy was in the failed target's catalogue, so its restoration carries it on; placing it elsewhere would
    /// run it twice.
    /// </summary>
    /// <param name="message">The refusal's message.</param>
    /// <param name="registered">The target's catalogue entry of the command, if it has one.</param>
    public static RestoreAnswer AfterRefusal(string message, ProgramEntry? registered) =>
        registered is { Status: not ProgramEntryStatus.Stopped } ? new HandedOver(registered.ProgramId) : new Refused(message);

    /// <summary>
    /// What it means that the target did not answer. While it lives, the same command is sent again (agents answer
    /// a repeated command id with the same program). Once it failed its catalogue is frozen: if the command
    /// registered a program there, that copy is its restoration's business; if not, the program may go elsewhere.
    /// </summary>
    /// <param name="targetMac">The target the command went to.</param>
    /// <param name="status">The target's status now.</param>
    /// <param name="why">Why there is no answer (its agent is not attached, the call failed).</param>
    /// <param name="registered">The target's catalogue entry of the command; looked up only once the target is not alive.</param>
    public static RestoreAnswer AfterNoAnswer(string targetMac, EcuStatus status, string why, ProgramEntry? registered) =>
        status == EcuStatus.Alive ? new Retry($"waiting for {targetMac}: {why}")
        : registered is { } started ? new HandedOver(started.ProgramId)
        : new Refused($"{targetMac} is {status} and never started it");

    /// <summary>The target runs the program (again, for a repeated command).</summary>
    public sealed record Started(RestoreResult Result) : RestoreAnswer;

    /// <summary>The version sent is corrupt or no longer retained: an older one is tried.</summary>
    public sealed record Corrupt(string Message) : RestoreAnswer;

    /// <summary>The target did not start it and registered nothing: another target may.</summary>
    public sealed record Refused(string Message) : RestoreAnswer;

    /// <summary>The target registered it as <paramref name="ProgramId"/> and then failed: its own restoration carries the copy on.</summary>
    public sealed record HandedOver(int ProgramId) : RestoreAnswer;

    /// <summary>The target took a newer command for the same logical program: this one is stale, and goes nowhere else.</summary>
    public sealed record Superseded(string Message) : RestoreAnswer;

    /// <summary>No answer from a target that still lives: the same command goes again next round.</summary>
    public sealed record Retry(string Message) : RestoreAnswer;
}
