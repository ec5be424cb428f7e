using System.Buffers.Binary;

namespace OrleansCms.SampleProgram;

/// <summary>
/// The header of a state written by the sample program (<see cref="SampleMemory"/>): magic "CMSSAMPLE1", counter,
/// the counter it was restored from (0 when started fresh) and the image length, little-endian u64s. For those who
/// check a sample's checkpoints: the tests, the benchmarks and the demo.
/// </summary>
public sealed record SampleState(ulong Counter, ulong RestoredFrom, ulong ImageLength)
{
    private const int HeaderBytes = 10 + 8 + 8 + 8;

    private static ReadOnlySpan<byte> Magic => "CMSSAMPLE1"u8;

    /// <exception cref="FormatException">The bytes are not a sample program's state.</exception>
    public static SampleState Parse(ReadOnlySpan<byte> state)
    {
        if (state.Length < HeaderBytes || !state[..Magic.Length].SequenceEqual(Magic))
        {
            throw new FormatException($"A state of {state.Length} bytes is not a sample program state (no CMSSAMPLE1 header).");
        }

        return new SampleState(
            BinaryPrimitives.ReadUInt64LittleEndian(state[10..]),
            BinaryPrimitives.ReadUInt64LittleEndian(state[18..]),
            BinaryPrimitives.ReadUInt64LittleEndian(state[26..]));
    }
}
