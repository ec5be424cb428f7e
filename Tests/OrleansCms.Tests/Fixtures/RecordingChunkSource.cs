using System.Collections.Concurrent;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fixtures;

/// <summary>An agent's chunk source for tests: serves a checkpoint's chunks and records what the CMS pulled.</summary>
public sealed class RecordingChunkSource(IReadOnlyDictionary<string, ChunkData> chunks) : IChunkSource
{
    private readonly ConcurrentQueue<string> _pulled = new();
    private int _requests;

    /// <summary>Hashes pulled so far, in order.</summary>
    public IReadOnlyList<string> Pulled => [.. _pulled];

    /// <summary>Encoded bytes pulled so far.</summary>
    public long BytesPulled => _pulled.Sum(h => (long)chunks[h].Data.Length);

    /// <summary>Rewrites a chunk before it is sent (to play a faulty agent).</summary>
    public Func<ChunkData, ChunkData>? Tamper { get; set; }

    /// <summary>Awaited before answering request number <see cref="HoldRequest"/> (0-based).</summary>
    public Task? Hold { get; set; }

    public int HoldRequest { get; set; } = -1;

    /// <summary>Completed when the held request has arrived.</summary>
    public TaskCompletionSource HeldRequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s)
    {
        if (Interlocked.Increment(ref _requests) - 1 == HoldRequest && Hold is not null)
        {
            HeldRequestArrived.TrySetResult();
            await Hold;
        }

        var answer = new List<ChunkData>();
        foreach (var hash in sha256s)
        {
            _pulled.Enqueue(hash);
            answer.Add(Tamper is null ? chunks[hash] : Tamper(chunks[hash]));
        }

        return answer;
    }
}
