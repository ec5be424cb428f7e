using OrleansCms.Checkpoints;
using OrleansCms.Programs;

namespace OrleansCms.Agent;

/// <summary>A program the agent runs: its process, identity and checkpoint progress.</summary>
internal sealed class ManagedProgram(CheckpointKey key, ProgramInfo info, ProgramProcess process, long firstVersion)
{
    private long _version = firstVersion - 1;
    private long _acknowledged;
    private long _acknowledgedAtTicks;

    public CheckpointKey Key { get; } = key;

    public ProgramInfo Info { get; } = info;

    public ProgramProcess Process { get; } = process;

    public CancellationTokenSource Stopping { get; } = new();

    /// <summary>Set once the agent decided to stop it, so that its exit is not reported as a crash.</summary>
    public bool StopRequested { get; set; }

    public long LastAcknowledged => Interlocked.Read(ref _acknowledged);

    public DateTimeOffset? LastAcknowledgedAt =>
        Interlocked.Read(ref _acknowledgedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public long NextVersion() => Interlocked.Increment(ref _version);

    public void Acknowledged(long version, DateTimeOffset at)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _acknowledged)) < version)
        {
            if (Interlocked.CompareExchange(ref _acknowledged, version, seen) == seen)
            {
                Interlocked.Exchange(ref _acknowledgedAtTicks, at.UtcTicks);
                return;
            }
        }
    }
}
