using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansCms.Checkpoints;

namespace OrleansCms.Ingest;

/// <summary>
/// The agent's copies of checkpoints the CMS has not acknowledged yet, bounded in bytes (and optionally in
/// versions per program). When full, the oldest version of the same program goes first; an acknowledged
/// checkpoint is never dropped because it is removed the moment it is acknowledged. Thread-safe.
/// </summary>
public sealed class CheckpointBuffer
{
    private readonly Lock _lock = new();
    private readonly List<PreparedCheckpoint> _items = []; // oldest added first
    private readonly SemaphoreSlim _added = new(0, 1);
    private readonly ILogger _logger;
    private long _bufferedBytes;
    private long _droppedCount;

    public CheckpointBuffer(long maxBytes, int? maxVersionsPerProgram = null, ILogger<CheckpointBuffer>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (maxVersionsPerProgram is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(maxVersionsPerProgram));
        }

        MaxBytes = maxBytes;
        MaxVersionsPerProgram = maxVersionsPerProgram;
        _logger = logger ?? NullLogger<CheckpointBuffer>.Instance;
    }

    public CheckpointBuffer(IngestClientOptions options, ILogger<CheckpointBuffer>? logger = null)
        : this(options.BufferBytes, options.MaxVersionsPerProgram, logger)
    {
    }

    /// <summary>Raised (outside the buffer's lock) for every checkpoint dropped unacknowledged.</summary>
    public event Action<PreparedCheckpoint>? Dropped;

    public long MaxBytes { get; }

    public int? MaxVersionsPerProgram { get; }

    public long BufferedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bufferedBytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Checkpoints dropped unacknowledged because the buffer was full, since it was created.</summary>
    public long DroppedCount => Interlocked.Read(ref _droppedCount);

    /// <summary>
    /// Buffers <paramref name="checkpoint"/>, dropping older unacknowledged ones to make room. Returns false, and
    /// counts a drop, when the checkpoint alone is larger than the whole buffer (nothing else is dropped then).
    /// </summary>
    public bool Add(PreparedCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var dropped = new List<(PreparedCheckpoint Checkpoint, long BufferedBytes)>();
        lock (_lock)
        {
            if (_items.Exists(c => c.Key == checkpoint.Key && c.Version == checkpoint.Version))
            {
                throw new InvalidOperationException($"checkpoint {checkpoint} is already buffered.");
            }

            if (checkpoint.EncodedBytes > MaxBytes)
            {
                Interlocked.Increment(ref _droppedCount);
                _logger.CheckpointTooLarge(checkpoint.Key.ToString(), checkpoint.Version, checkpoint.EncodedBytes, MaxBytes);
                return false;
            }

            while (MaxVersionsPerProgram is { } max && _items.Count(c => c.Key == checkpoint.Key) >= max)
            {
                dropped.Add(DropLocked(OldestOf(checkpoint.Key)!));
            }

            while (_bufferedBytes + checkpoint.EncodedBytes > MaxBytes)
            {
                dropped.Add(DropLocked(OldestOf(checkpoint.Key) ?? _items[0]));
            }

            _items.Add(checkpoint);
            _bufferedBytes += checkpoint.EncodedBytes;
            if (_added.CurrentCount == 0)
            {
                _added.Release();
            }
        }

        foreach (var (victim, bufferedBytes) in dropped)
        {
            _logger.CheckpointDropped(victim.Key.ToString(), victim.Version, bufferedBytes);
            Dropped?.Invoke(victim);
        }

        return true;
    }

    /// <summary>The CMS has stored this version: frees it. False if it was not buffered.</summary>
    public bool Acknowledge(CheckpointKey key, long version) => Remove(key, version);

    /// <summary>Removes a version without counting it as dropped (e.g. the CMS rejected it). False if it was not buffered.</summary>
    public bool Remove(CheckpointKey key, long version)
    {
        lock (_lock)
        {
            var index = _items.FindIndex(c => c.Key == key && c.Version == version);
            if (index < 0)
            {
                return false;
            }

            _bufferedBytes -= _items[index].EncodedBytes;
            _items.RemoveAt(index);
            return true;
        }
    }

    public bool TryGet(CheckpointKey key, long version, [MaybeNullWhen(false)] out PreparedCheckpoint checkpoint)
    {
        lock (_lock)
        {
            checkpoint = _items.Find(c => c.Key == key && c.Version == version);
            return checkpoint is not null;
        }
    }

    public bool Contains(CheckpointKey key, long version) => TryGet(key, version, out _);

    /// <summary>The unacknowledged checkpoints, oldest added first.</summary>
    public IReadOnlyList<PreparedCheckpoint> Snapshot()
    {
        lock (_lock)
        {
            return [.. _items];
        }
    }

    /// <summary>
    /// Completes once a checkpoint has been added since the previous wait completed (at once if one was).
    /// Meant for a single consumer, the uploader, so that it does not poll.
    /// </summary>
    public Task WaitForAddedAsync(CancellationToken cancellationToken) => _added.WaitAsync(cancellationToken);

    private PreparedCheckpoint? OldestOf(CheckpointKey key) =>
        _items.Where(c => c.Key == key).MinBy(c => c.Version);

    private (PreparedCheckpoint, long) DropLocked(PreparedCheckpoint victim)
    {
        var bufferedBytes = _bufferedBytes;
        _items.Remove(victim);
        _bufferedBytes -= victim.EncodedBytes;
        Interlocked.Increment(ref _droppedCount);
        return (victim, bufferedBytes);
    }
}
