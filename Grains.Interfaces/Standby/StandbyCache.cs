using OrleansCms.Checkpoints;

namespace OrleansCms.Standby;

/// <summary>
/// The checkpoints an ECU keeps warm for programs that run elsewhere: per program, the chunks of its newest
/// manifest, as the CMS sent them, within <see cref="CapacityBytes"/> (the least recently updated programs make room).
/// Chunks are checked only when a restore reads them (<see cref="CheckpointReader"/>). Thread-safe.
/// </summary>
public sealed class StandbyCache(long capacityBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<CheckpointKey, Entry> _entries = [];
    private long _bytes;
    private long _updates;

    public long CapacityBytes { get; } = capacityBytes > 0 ? capacityBytes : throw new ArgumentOutOfRangeException(nameof(capacityBytes));

    /// <summary>The bytes held, all programs together.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The programs held, with the version each is complete for (0 while none is).</summary>
    public IReadOnlyDictionary<CheckpointKey, long> Programs
    {
        get
        {
            lock (_lock)
            {
                return _entries.ToDictionary(e => e.Key, e => e.Value.CompleteVersion);
            }
        }
    }

    /// <summary>Takes an update: adds its chunks and, with a manifest, keeps only that manifest's chunks.</summary>
    public StandbyAnswer Keep(StandbyUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock)
        {
            if (!_entries.TryGetValue(update.Source, out var entry))
            {
                entry = _entries[update.Source] = new Entry();
            }

            entry.Touched = ++_updates;
            foreach (var chunk in update.Chunks)
            {
                if (chunk is not null && entry.Chunks.TryAdd(chunk.Sha256, chunk))
                {
                    Add(entry, chunk.Data.Length);
                }
            }

            if (update.Manifest is { } manifest && manifest.Version >= (entry.Manifest?.Version ?? 0))
            {
                entry.Manifest = manifest;
                var needed = manifest.Chunks.Select(c => c.Sha256).ToHashSet(StringComparer.Ordinal);
                foreach (var stale in entry.Chunks.Keys.Where(h => !needed.Contains(h)).ToList())
                {
                    Add(entry, -entry.Chunks[stale].Data.Length);
                    entry.Chunks.Remove(stale);
                }
            }

            if (!MakeRoom(update.Source))
            {
                Remove(update.Source);
                return new StandbyAnswer(false, []);
            }

            return new StandbyAnswer(true, entry.Manifest is { } newest ? Missing(entry, newest) : []);
        }
    }

    /// <summary>A chunk of <paramref name="source"/>'s standby, if held (unchecked: the reader verifies it).</summary>
    public ChunkData? Find(CheckpointKey source, string sha256)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(source, out var entry) ? entry.Chunks.GetValueOrDefault(sha256) : null;
        }
    }

    /// <summary>Forgets a program (its standby moved elsewhere, or it was restored).</summary>
    public void Drop(CheckpointKey source)
    {
        lock (_lock)
        {
            Remove(source);
        }
    }

    private static List<string> Missing(Entry entry, CheckpointManifest manifest) =>
        [.. manifest.Chunks.Select(c => c.Sha256).Distinct(StringComparer.Ordinal).Where(h => !entry.Chunks.ContainsKey(h))];

    /// <summary>Evicts the least recently updated other programs until all fit; false when <paramref name="keep"/> alone does not.</summary>
    private bool MakeRoom(CheckpointKey keep)
    {
        while (_bytes > CapacityBytes)
        {
            var oldest = _entries.Where(e => e.Key != keep).OrderBy(e => e.Value.Touched).Select(e => (CheckpointKey?)e.Key).FirstOrDefault();
            if (oldest is not { } evicted)
            {
                return false;
            }

            Remove(evicted);
        }

        return true;
    }

    private void Remove(CheckpointKey source)
    {
        if (_entries.Remove(source, out var entry))
        {
            _bytes -= entry.Bytes;
        }
    }

    private void Add(Entry entry, long bytes)
    {
        entry.Bytes += bytes;
        _bytes += bytes;
    }

    private sealed class Entry
    {
        public Dictionary<string, ChunkData> Chunks { get; } = new(StringComparer.Ordinal);

        public CheckpointManifest? Manifest { get; set; }

        public long Bytes { get; set; }

        public long Touched { get; set; }

        public long CompleteVersion => Manifest is { } manifest && manifest.Chunks.All(c => Chunks.ContainsKey(c.Sha256)) ? manifest.Version : 0;
    }
}
