using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Standby;

/// <summary>A restore's read: the standby's chunks locally, the others from the CMS, every chunk verified.</summary>
public sealed class StandbyReadTests
{
    private static readonly TestCheckpoint Checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(5_000_000, 41), version: 3);

    [Fact]
    public async Task SomeChunksLocal_OnlyTheOthersAreRead_InBatches_AndThePayloadIsExact()
    {
        var local = Checkpoint.Manifest.Chunks.Where((_, i) => i % 3 != 0).ToDictionary(c => c.Sha256, c => Checkpoint.Chunks[c.Sha256]);
        var source = new CountingSource(Checkpoint);
        using var payload = new MemoryStream();

        var read = await CheckpointReader.ReadGrantedAsync(source.ReadAsync, Checkpoint.Manifest, payload, local.GetValueOrDefault);

        var remote = Checkpoint.Manifest.Chunks.Length - local.Count;
        Assert.Equal(new GrantedRead(true, local.Count, remote), read);
        Assert.Equal(Checkpoint.Payload, payload.ToArray());
        Assert.Equal(remote, source.ChunksServed);
    }

    [Fact]
    public async Task AllLocal_NoReadAtAll()
    {
        var source = new CountingSource(Checkpoint);
        using var payload = new MemoryStream();

        var read = await CheckpointReader.ReadGrantedAsync(source.ReadAsync, Checkpoint.Manifest, payload, hash => Checkpoint.Chunks[hash]);

        Assert.Equal(new GrantedRead(true, Checkpoint.Manifest.Chunks.Length, 0), read);
        Assert.Equal(0, source.Calls);
        Assert.Equal(Checkpoint.Payload, payload.ToArray());
    }

    [Fact]
    public async Task LocalChunkWithOtherBytes_TheReadIsNotVerified()
    {
        var tampered = Checkpoint.Manifest.Chunks[5].Sha256;
        var other = Checkpoint.Chunks[Checkpoint.Manifest.Chunks[6].Sha256];
        using var payload = new MemoryStream();

        var read = await CheckpointReader.ReadGrantedAsync(new CountingSource(Checkpoint).ReadAsync, Checkpoint.Manifest, payload,
            hash => hash == tampered ? other with { Sha256 = tampered } : Checkpoint.Chunks[hash]);

        Assert.False(read.Verified);
    }

    /// <summary>Plays the CMS's granted reads (a delegate: a class implementing the grain interface would be taken for a grain).</summary>
    private sealed class CountingSource(TestCheckpoint checkpoint)
    {
        public int Calls;
        public int ChunksServed;

        public Task<IReadOnlyList<ChunkData>> ReadAsync(int first, int count)
        {
            Assert.InRange(count, 1, CheckpointReader.GrantedBatch);
            Interlocked.Increment(ref Calls);
            var chunks = checkpoint.Manifest.Chunks.Skip(first).Take(count).Select(c => checkpoint.Chunks[c.Sha256]).ToList();
            Interlocked.Add(ref ChunksServed, chunks.Count);
            return Task.FromResult<IReadOnlyList<ChunkData>>(chunks);
        }
    }
}
