using Orleans.Concurrency;
using OrleansCms.Checkpoints;
using OrleansCms.Standby;

namespace OrleansCms.Ecus;

/// <summary>
/// The commands the CMS sends an ECU's agent, through a grain observer the agent attaches to its
/// <see cref="IEcuGrain"/>. Every command carries an id and is idempotent: repeating it repeats the answer.
/// Every method is <see cref="AlwaysInterleaveAttribute"/>: an agent's observer would otherwise take one call at a
/// time, so the ten restores of a failed ECU's programs on one target would run one after another, and a stop or a
/// standby update would wait behind them. The agent's side is safe for concurrent calls.
/// </summary>
[Alias("OrleansCms.IEcuAgent")]
public interface IEcuAgent : IGrainObserver
{
    /// <summary>
    /// Pulls the checkpoint, verifies it, registers and starts the program with that state, and answers the new
    /// program's identity. Throws <see cref="RestoreRefusedException"/> when it did not start the program.
    /// </summary>
    [Alias("Restore"), AlwaysInterleave]
    Task<RestoreResult> RestoreAsync(RestoreCommand command);

    /// <summary>
    /// Stops a program (a migration's source copy) and ends its catalogue entry, retired in favour of the command's
    /// successor when it names one; a program that is not running is fine.
    /// </summary>
    [Alias("Stop"), AlwaysInterleave]
    Task StopProgramAsync(StopCommand command);

    /// <summary>Takes a checkpoint of the program now and answers its version once the CMS acknowledged it.</summary>
    [Alias("CheckpointNow"), AlwaysInterleave]
    Task<long> CheckpointNowAsync(int programId);

    /// <summary>
    /// Keeps part of another ECU's program warm on this ECU (its planned restore target): the CMS sends each
    /// acknowledged checkpoint's chunks this ECU lacks. Answers what it still lacks, or that it does not keep it.
    /// </summary>
    [Alias("KeepStandby"), AlwaysInterleave]
    Task<StandbyAnswer> KeepStandbyAsync(StandbyUpdate update);

    /// <summary>Forgets the standby of a program whose standby moved elsewhere.</summary>
    [Alias("DropStandby"), AlwaysInterleave]
    Task DropStandbyAsync(CheckpointKey source);
}
