using OrleansCms.Ingest;
using static OrleansCms.Tests.Ingest.IngestTestData;

namespace OrleansCms.Tests.Ingest;

public class CheckpointBufferTests
{
    [Fact]
    public void Add_ManyCheckpoints_NeverExceedsTheByteBound()
    {
        var buffer = new CheckpointBuffer(maxBytes: 10_000);

        for (var version = 1; version <= 50; version++)
        {
            Assert.True(buffer.Add(Checkpoint(version % 3, version, size: 700 + (version * 37 % 900))));
            Assert.InRange(buffer.BufferedBytes, 0, buffer.MaxBytes);
            Assert.Equal(buffer.Snapshot().Sum(c => c.EncodedBytes), buffer.BufferedBytes);
        }

        Assert.Equal(50, buffer.Count + buffer.DroppedCount);
    }

    [Fact]
    public void Add_WhenFull_DropsTheOldestVersionOfTheSameProgram()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        var dropped = new List<PreparedCheckpoint>();
        buffer.Dropped += dropped.Add;
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(2, 1));
        buffer.Add(Checkpoint(1, 2));

        Assert.True(buffer.Add(Checkpoint(1, 3)));

        Assert.Equal([(2, 1L), (1, 2L), (1, 3L)], Pending(buffer));
        Assert.Equal([(1, 1L)], dropped.Select(c => (c.Key.ProgramId, c.Version)));
        Assert.Equal(1, buffer.DroppedCount);
    }

    [Fact]
    public void Add_WhenFullAndTheProgramHasNothingBuffered_DropsTheOldestOverall()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(2, 1));
        buffer.Add(Checkpoint(1, 2));

        Assert.True(buffer.Add(Checkpoint(3, 1)));

        Assert.Equal([(2, 1L), (1, 2L), (3, 1L)], Pending(buffer));
        Assert.Equal(1, buffer.DroppedCount);
    }

    [Fact]
    public void Add_WhenFull_DropsAsManyOldVersionsAsNeeded()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(1, 2));
        buffer.Add(Checkpoint(2, 1));

        Assert.True(buffer.Add(Checkpoint(1, 3, size: 2000)));

        Assert.Equal([(2, 1L), (1, 3L)], Pending(buffer));
        Assert.Equal(2, buffer.DroppedCount);
    }

    [Fact]
    public void Add_MaxVersionsPerProgramReached_DropsTheOldestVersionOfThatProgram()
    {
        var buffer = new CheckpointBuffer(new IngestClientOptions { BufferBytes = 1 << 20, MaxVersionsPerProgram = 2 });
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(2, 1));
        buffer.Add(Checkpoint(1, 2));

        buffer.Add(Checkpoint(1, 3));

        Assert.Equal([(2, 1L), (1, 2L), (1, 3L)], Pending(buffer));
        Assert.Equal(1, buffer.DroppedCount);
    }

    [Fact]
    public void Acknowledge_BufferedVersion_RemovesItWithoutCountingADrop()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(1, 2));

        Assert.True(buffer.Acknowledge(Key(1), 1));

        Assert.False(buffer.Contains(Key(1), 1));
        Assert.Equal([(1, 2L)], Pending(buffer));
        Assert.Equal(1000, buffer.BufferedBytes);
        Assert.Equal(0, buffer.DroppedCount);
        Assert.False(buffer.Acknowledge(Key(1), 1));
    }

    [Fact]
    public void Add_AfterAcknowledgements_DropsOnlyUnacknowledgedVersions()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        var dropped = new List<long>();
        buffer.Dropped += c => dropped.Add(c.Version);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(1, 2));
        buffer.Add(Checkpoint(1, 3));
        buffer.Acknowledge(Key(1), 1);

        buffer.Add(Checkpoint(1, 4));
        buffer.Add(Checkpoint(1, 5));

        Assert.Equal([2L], dropped);
        Assert.Equal([(1, 3L), (1, 4L), (1, 5L)], Pending(buffer));
    }

    [Fact]
    public void Add_CheckpointLargerThanTheBuffer_RefusesItAndKeepsTheOthers()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        buffer.Add(Checkpoint(1, 1));

        Assert.False(buffer.Add(Checkpoint(1, 2, size: 3001)));

        Assert.Equal([(1, 1L)], Pending(buffer));
        Assert.Equal(1, buffer.DroppedCount);
    }

    [Fact]
    public void Add_SameVersionTwice_Throws()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        buffer.Add(Checkpoint(1, 1));

        Assert.Throws<InvalidOperationException>(() => buffer.Add(Checkpoint(1, 1)));
    }

    [Fact]
    public void Add_WhenFull_LogsTheDrop()
    {
        var logger = new ListLogger<CheckpointBuffer>();
        var buffer = new CheckpointBuffer(maxBytes: 2000, logger: logger);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(1, 2));

        buffer.Add(Checkpoint(1, 3));

        var message = Assert.Single(logger.Messages);
        Assert.Equal("Dropped unacknowledged checkpoint aa:bb:cc:dd:ee:01/1 v1 because the local buffer is full (2000 bytes)", message);
    }

    [Fact]
    public void TryGet_BufferedAndMissingVersions_FindsOnlyTheBufferedOne()
    {
        var buffer = new CheckpointBuffer(maxBytes: 3000);
        var checkpoint = Checkpoint(1, 1);
        buffer.Add(checkpoint);

        Assert.True(buffer.TryGet(Key(1), 1, out var found));
        Assert.Same(checkpoint, found);
        Assert.False(buffer.TryGet(Key(1), 2, out _));
        Assert.False(buffer.TryGet(Key(2), 1, out _));
    }

    [Fact]
    public void Snapshot_SeveralPrograms_ListsOldestFirst()
    {
        var buffer = new CheckpointBuffer(maxBytes: 10_000);
        buffer.Add(Checkpoint(2, 1));
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(2, 2));

        Assert.Equal([(2, 1L), (1, 1L), (2, 2L)], Pending(buffer));
    }

    [Fact]
    public async Task WaitForAddedAsync_CheckpointAdded_Completes()
    {
        var buffer = new CheckpointBuffer(maxBytes: 10_000);
        var waiting = buffer.WaitForAddedAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        buffer.Add(Checkpoint(1, 1));

        await waiting.WaitAsync(WaitTimeout);
        Assert.False(buffer.WaitForAddedAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task WaitForAddedAsync_SeveralAddedBeforeWaiting_CompletesOnceAtOnce()
    {
        var buffer = new CheckpointBuffer(maxBytes: 10_000);
        buffer.Add(Checkpoint(1, 1));
        buffer.Add(Checkpoint(1, 2));

        await buffer.WaitForAddedAsync(CancellationToken.None).WaitAsync(WaitTimeout);

        Assert.False(buffer.WaitForAddedAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Add_FromManyThreads_KeepsTheBoundAndTheAccounts()
    {
        var buffer = new CheckpointBuffer(maxBytes: 20_000);
        var checkpoints = Enumerable.Range(0, 400).Select(i => Checkpoint(i % 8, i, size: 500 + (i % 7 * 100))).ToList();
        var acknowledged = 0;

        await Parallel.ForEachAsync(checkpoints, (checkpoint, _) =>
        {
            buffer.Add(checkpoint);
            Assert.InRange(buffer.BufferedBytes, 0, buffer.MaxBytes);
            if (checkpoint.Version % 5 == 0 && buffer.Acknowledge(checkpoint.Key, checkpoint.Version))
            {
                Interlocked.Increment(ref acknowledged);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(buffer.Snapshot().Sum(c => c.EncodedBytes), buffer.BufferedBytes);
        Assert.Equal(checkpoints.Count, buffer.Count + buffer.DroppedCount + acknowledged);
    }

    private static List<(int ProgramId, long Version)> Pending(CheckpointBuffer buffer) =>
        [.. buffer.Snapshot().Select(c => (c.Key.ProgramId, c.Version))];
}
