using OrleansCms.Checkpoints;
using OrleansCms.Ingest;

namespace OrleansCms.Tests.Ingest;

/// <summary>Keys, payloads and prepared checkpoints for the ingest client tests.</summary>
internal static class IngestTestData
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    public static readonly ProgramInfo TestProgram = new("ingest-test", 16L << 20);

    public static CheckpointKey Key(int programId) => new("AA-BB-CC-DD-EE-01", programId);

    /// <summary>Random bytes: LZ4 cannot shrink them.</summary>
    public static byte[] RandomPayload(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Repeated text: LZ4 shrinks it a lot.</summary>
    public static byte[] CompressiblePayload(int size)
    {
        var pattern = "checkpoint of a program that counts and counts "u8;
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = pattern[i % pattern.Length];
        }

        return bytes;
    }

    /// <summary>A one-chunk checkpoint of random bytes, so that it occupies exactly <paramref name="size"/> buffered bytes.</summary>
    public static PreparedCheckpoint Checkpoint(int programId, long version, int size = 1000) =>
        new CheckpointChunker().Prepare(Key(programId), version, TestProgram, RandomPayload(size, HashCode.Combine(programId, version)));

    public static IngestClientOptions FastOptions(int maxConcurrentOffers = 4) => new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(5),
        MaxConcurrentOffers = maxConcurrentOffers,
    };
}
