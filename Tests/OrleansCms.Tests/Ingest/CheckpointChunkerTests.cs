using System.Security.Cryptography;
using OrleansCms.Checkpoints;
using OrleansCms.Ingest;
using static OrleansCms.Tests.Ingest.IngestTestData;

namespace OrleansCms.Tests.Ingest;

public class CheckpointChunkerTests
{
    private const int ChunkSize = CheckpointChunker.DefaultChunkSize;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ChunkSize - 1)]
    [InlineData(ChunkSize)]
    [InlineData(ChunkSize + 1)]
    [InlineData((1 << 20) + 17)]
    public void Prepare_AnySize_ReassemblesByteExact(int size)
    {
        // Half random, half repetitive, so that larger payloads hold chunks of both codecs.
        var payload = RandomPayload(size, seed: size);
        CompressiblePayload(size / 2).CopyTo(payload, size - (size / 2));

        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, payload);

        Assert.Equal((size + ChunkSize - 1) / ChunkSize, prepared.Manifest.Chunks.Length);
        Assert.Equal(size, prepared.Manifest.TotalSize);
        Assert.Equal(payload, Reassemble(prepared));
    }

    [Fact]
    public void Prepare_EmptyPayload_HasNoChunksAndTheDigestOfTheEmptyList()
    {
        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, ReadOnlyMemory<byte>.Empty);

        Assert.Empty(prepared.Manifest.Chunks);
        Assert.Empty(prepared.Chunks);
        Assert.Equal(0, prepared.EncodedBytes);
        Assert.Equal(ManifestDigest.ChunkList, prepared.Manifest.Digest);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", prepared.Manifest.Sha256);
    }

    [Fact]
    public void Prepare_Payload_HashesEachChunkAndTheChunkListInLowerCaseHex()
    {
        var payload = RandomPayload((3 * ChunkSize) + 100, seed: 7);

        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, payload);

        // The digest is the SHA-256 of each chunk's hash and little-endian length, in order.
        var list = prepared.Manifest.Chunks.SelectMany(c => Convert.FromHexString(c.Sha256).Concat(BitConverter.GetBytes(c.Length))).ToArray();
        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(Sha256(list), prepared.Manifest.Sha256);
        Assert.Equal(ManifestDigest.ChunkList, prepared.Manifest.Digest);
        for (var i = 0; i < prepared.Manifest.Chunks.Length; i++)
        {
            var slice = payload.AsSpan(i * ChunkSize, Math.Min(ChunkSize, payload.Length - (i * ChunkSize)));
            Assert.Equal(Sha256(slice), prepared.Manifest.Chunks[i].Sha256);
            Assert.Equal(slice.Length, prepared.Manifest.Chunks[i].Length);
        }
    }

    [Fact]
    public void Prepare_RandomPayload_KeepsChunksRaw()
    {
        var payload = RandomPayload(4 * ChunkSize, seed: 3);

        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, payload);

        Assert.All(prepared.Chunks, c => Assert.Equal(ChunkCodec.None, c.Codec));
        Assert.Equal(payload.Length, prepared.EncodedBytes);
    }

    [Fact]
    public void Prepare_CompressiblePayload_EncodesChunksWithLz4Smaller()
    {
        var payload = CompressiblePayload(4 * ChunkSize);

        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, payload);

        Assert.All(prepared.Chunks, c =>
        {
            Assert.Equal(ChunkCodec.Lz4, c.Codec);
            Assert.True(c.Data.Length < c.Length);
        });
        Assert.True(prepared.EncodedBytes < payload.Length / 10);
        Assert.Equal(payload, Reassemble(prepared));
    }

    [Fact]
    public void Prepare_OneByteChanged_ChangesExactlyOneChunkHash()
    {
        var payload = RandomPayload(8 * ChunkSize, seed: 11);
        var changed = (byte[])payload.Clone();
        changed[(5 * ChunkSize) + 123] ^= 0x5a;
        var chunker = new CheckpointChunker();

        var before = chunker.Prepare(Key(1), 1, TestProgram, payload).Manifest;
        var after = chunker.Prepare(Key(1), 2, TestProgram, changed).Manifest;

        var differing = Enumerable.Range(0, before.Chunks.Length).Where(i => before.Chunks[i].Sha256 != after.Chunks[i].Sha256).ToList();
        Assert.Equal([5], differing);
        Assert.NotEqual(before.Sha256, after.Sha256);
    }

    [Fact]
    public void Prepare_RepeatedChunks_StoresEachOnceAndKeepsEveryPosition()
    {
        var block = RandomPayload(ChunkSize, seed: 5);
        var other = RandomPayload(ChunkSize, seed: 6);
        byte[] payload = [.. block, .. other, .. block, .. block];

        var prepared = new CheckpointChunker().Prepare(Key(1), 1, TestProgram, payload);

        Assert.Equal(4, prepared.Manifest.Chunks.Length);
        Assert.Equal(2, prepared.Chunks.Count);
        Assert.Equal(2L * ChunkSize, prepared.EncodedBytes);
        Assert.Equal(prepared.Manifest.Chunks[0], prepared.Manifest.Chunks[2]);
        Assert.Equal(prepared.Manifest.Chunks[0], prepared.Manifest.Chunks[3]);
        Assert.Equal(payload, Reassemble(prepared));
    }

    [Fact]
    public void Prepare_ConfiguredChunkSize_CutsChunksOfThatSize()
    {
        var chunker = new CheckpointChunker(new IngestClientOptions { ChunkSize = 4096 });

        var prepared = chunker.Prepare(Key(1), 1, TestProgram, RandomPayload(10_000, seed: 1));

        Assert.Equal([4096, 4096, 1808], prepared.Manifest.Chunks.Select(c => c.Length));
    }

    [Fact]
    public void Prepare_Payload_FillsKeyVersionProgramAndCreationTime()
    {
        var createdAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var prepared = new CheckpointChunker().Prepare(Key(9), 42, TestProgram, RandomPayload(10, seed: 1), createdAt);

        Assert.Equal(Key(9), prepared.Key);
        Assert.Equal("aa:bb:cc:dd:ee:01/9", prepared.Key.ToString());
        Assert.Equal(42, prepared.Version);
        Assert.Equal(42, prepared.Manifest.Version);
        Assert.Equal(TestProgram, prepared.Manifest.Program);
        Assert.Equal(createdAt, prepared.Manifest.CreatedAt);
    }

    private static byte[] Reassemble(PreparedCheckpoint prepared)
    {
        var payload = new byte[prepared.Manifest.TotalSize];
        var offset = 0;
        foreach (var chunkRef in prepared.Manifest.Chunks)
        {
            Assert.True(prepared.TryGetChunk(chunkRef.Sha256, out var chunk));
            Assert.True(ChunkEncoding.TryDecode(chunk, payload.AsSpan(offset)));
            offset += chunkRef.Length;
        }

        Assert.Equal(payload.Length, offset);
        return payload;
    }

    private static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
