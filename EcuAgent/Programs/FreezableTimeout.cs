namespace OrleansCms.Programs;

/// <summary>
/// A protocol step's timeout that stands still while the program is frozen: a program cannot answer while it is
/// stopped, and a freeze of any length must not turn into a protocol error that kills it.
/// </summary>
public sealed class FreezableTimeout : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly CancellationTokenRegistration _link;
    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private TimeSpan _left;
    private long _runningSince;
    private bool _paused = true;

    public FreezableTimeout(TimeSpan timeout, bool frozen, TimeProvider clock, CancellationToken cancellationToken)
    {
        // Not a linked source: only a source made with the TimeProvider counts its delay on that clock.
        _source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, clock);
        _link = cancellationToken.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _source);
        _clock = clock;
        _left = timeout;
        if (!frozen)
        {
            Resume();
        }
    }

    /// <summary>Cancelled when the timeout has run out (or the linked token was cancelled).</summary>
    public CancellationToken Token => _source.Token;

    public void Pause()
    {
        lock (_lock)
        {
            if (_paused)
            {
                return;
            }

            _paused = true;
            _left -= _clock.GetElapsedTime(_runningSince);
            _source.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Resume()
    {
        lock (_lock)
        {
            if (!_paused)
            {
                return;
            }

            _paused = false;
            _runningSince = _clock.GetTimestamp();
            _source.CancelAfter(_left > TimeSpan.Zero ? _left : TimeSpan.Zero);
        }
    }

    public void Dispose()
    {
        _link.Dispose();
        _source.Dispose();
    }
}
