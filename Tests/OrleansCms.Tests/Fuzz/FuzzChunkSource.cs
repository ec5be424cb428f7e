using System.Security.Cryptography;
using System.Text;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fuzz;

/// <summary>An agent's chunk source for fuzzing: serves a checkpoint's chunks, faulty as its <see cref="SourceFault"/> says.</summary>
public sealed class FuzzChunkSource(IReadOnlyDictionary<string, ChunkData> chunks, SourceFault fault) : IChunkSource
{
    public const string FaultMessage = "the fuzzed agent's chunk source failed on purpose";

    public Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s)
    {
        var answer = sha256s.Where(chunks.ContainsKey).Select(h => chunks[h]).ToList();
        var first = answer.Count > 0 ? answer[0] : null;
        IReadOnlyList<ChunkData>? faulty = fault switch
        {
            SourceFault.None => answer,
            SourceFault.WrongContent when first is not null => [Bytes(first, Reversed(Decode(first)), first.Length), .. answer.Skip(1)],
            SourceFault.WrongLength when first is not null => [first with { Length = first.Length + 1 }, .. answer.Skip(1)],
            SourceFault.UnknownCodec when first is not null => [first with { Codec = (ChunkCodec)7 }, .. answer.Skip(1)],
            SourceFault.NullData when first is not null => [first with { Data = null! }, .. answer.Skip(1)],
            SourceFault.Lz4Garbage when first is not null => [first with { Codec = ChunkCodec.Lz4, Data = Noise(first.Sha256, first.Data.Length + 3) }, .. answer.Skip(1)],
            SourceFault.OmitChunk => [.. answer.Skip(1)],
            SourceFault.EmptyAnswer => [],
            SourceFault.NullAnswer => null,
            SourceFault.NullChunk => [null!, .. answer.Skip(1)],
            SourceFault.SwappedData when answer.Count >= 2 =>
                [answer[0] with { Data = answer[1].Data, Codec = answer[1].Codec }, answer[1] with { Data = answer[0].Data, Codec = answer[0].Codec }, .. answer.Skip(2)],
            SourceFault.SwappedData when first is not null => [Bytes(first, Reversed(Decode(first)), first.Length), .. answer.Skip(1)],
            SourceFault.Throws => throw new InvalidOperationException(FaultMessage),
            SourceFault.RandomBytes => [.. sha256s.Select(h => new ChunkData(h, 16, ChunkCodec.None, Noise(h, 16)))],
            _ => answer,
        };
        return Task.FromResult(faulty!);
    }

    private static byte[] Decode(ChunkData chunk)
    {
        var bytes = new byte[chunk.Length];
        return ChunkEncoding.TryDecode(chunk, bytes) ? bytes : throw new InvalidOperationException($"chunk {chunk.Sha256} of the fuzz source does not decode");
    }

    /// <summary>The bytes in reverse with the first one flipped: never the original, even for a palindrome.</summary>
    private static byte[] Reversed(byte[] bytes)
    {
        var copy = bytes.Reverse().ToArray();
        copy[0] ^= 0x5a;
        return copy;
    }

    private static ChunkData Bytes(ChunkData label, byte[] data, int length) => new(label.Sha256, length, ChunkCodec.None, data);

    private static byte[] Noise(string seed, int length)
    {
        var bytes = new byte[length];
        new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))).NextBytes(bytes);
        return bytes;
    }
}
