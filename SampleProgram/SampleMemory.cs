using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace OrleansCms.SampleProgram;

/// <summary>
/// The sample program's state: a counter driven by the wall clock and a memory image. Serialised
/// (little-endian) as magic "CMSSAMPLE1", counter u64, restoredFrom u64, image length u64, image bytes.
/// </summary>
internal sealed class SampleMemory
{
    public const int HeaderBytes = 10 + 8 + 8 + 8;

    /// <summary>The whole state must fit one byte[] on the agent's side.</summary>
    public const long MaxImageBytes = 0x7FFFFFC7 - HeaderBytes;

    private const int PageBytes = 4096;

    /// <summary>At most one dirty run per this many bytes to rewrite, so that runs stay long and clustered.</summary>
    private const int MinRunBytes = 64 << 10;

    private const int MaxRuns = 8;

    private static ReadOnlySpan<byte> Magic => "CMSSAMPLE1"u8;

    private readonly Memory<byte> _image;
    private readonly ulong _restoredFrom;
    private readonly long _tickTicks;
    private readonly double _dirty;
    private readonly Random _random;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private SampleMemory(Memory<byte> image, ulong restoredFrom, SampleOptions options)
    {
        _image = image;
        _restoredFrom = restoredFrom;
        _tickTicks = TimeSpan.FromMilliseconds(options.TickMs).Ticks;
        _dirty = options.Dirty;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
    }

    public int ImageLength => _image.Length;

    public ulong RestoredFrom => _restoredFrom;

    /// <summary>Advances with elapsed time, not with work: the program idles between checkpoints.</summary>
    public ulong Counter => _restoredFrom + (ulong)(_clock.Elapsed.Ticks / _tickTicks);

    public static SampleMemory Fresh(SampleOptions options)
    {
        var memory = new SampleMemory(new byte[(long)Math.Round(options.StateMb * 1024 * 1024)], 0, options);
        memory._random.NextBytes(memory._image.Span);
        return memory;
    }

    /// <summary>Continues from a state written by <see cref="WriteState"/>; the image is used in place.</summary>
    public static SampleMemory Restore(byte[] state, SampleOptions options)
    {
        if (state.Length < HeaderBytes || !state.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new FormatException($"restore state of {state.Length} bytes does not start with the magic CMSSAMPLE1");
        }

        var counter = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(10));
        var imageLength = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(26));
        if (imageLength != (ulong)(state.Length - HeaderBytes))
        {
            throw new FormatException($"restore state announces an image of {imageLength} bytes but carries {state.Length - HeaderBytes}");
        }

        return new SampleMemory(state.AsMemory(HeaderBytes), counter, options);
    }

    /// <summary>
    /// Rewrites about <c>dirty × size</c> bytes (rounded up to whole 4 KiB pages) with fresh random bytes, in 1 to 8
    /// contiguous runs at 4 KiB-aligned offsets, the way a real working set dirties a few regions rather than
    /// scattered bytes. The runs never overlap, so the share rewritten is the share asked for.
    /// </summary>
    public void DirtyImage()
    {
        var image = _image.Span;
        var target = (long)Math.Round(_dirty * image.Length);
        if (target == 0)
        {
            return;
        }

        var pages = (int)((image.Length + PageBytes - 1L) / PageBytes);
        var dirtyPages = (int)Math.Min(pages, (target + PageBytes - 1) / PageBytes);
        var runs = Math.Min(dirtyPages, _random.Next(1, (int)Math.Clamp(target / MinRunBytes, 1, MaxRuns) + 1));
        var runPages = Split(dirtyPages, runs, minimum: 1);
        var gapPages = Split(pages - dirtyPages, runs + 1, minimum: 0);
        var page = 0;
        for (var run = 0; run < runs; run++)
        {
            page += gapPages[run];
            var offset = page * PageBytes;
            _random.NextBytes(image.Slice(offset, (int)Math.Min((long)runPages[run] * PageBytes, image.Length - offset)));
            page += runPages[run];
        }
    }

    /// <summary>Writes the protocol reply <c>STATE id n</c> and the state, without copying the image.</summary>
    public void WriteState(ulong id, Stream output)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt64LittleEndian(header[10..], Counter);
        BinaryPrimitives.WriteUInt64LittleEndian(header[18..], _restoredFrom);
        BinaryPrimitives.WriteUInt64LittleEndian(header[26..], (ulong)_image.Length);

        output.Write(Encoding.ASCII.GetBytes($"STATE {id} {HeaderBytes + _image.Length}\n"));
        output.Write(header);
        output.Write(_image.Span);
        output.Flush();
    }

    /// <summary>Splits <paramref name="total"/> into <paramref name="parts"/> random shares, each at least <paramref name="minimum"/>.</summary>
    private int[] Split(int total, int parts, int minimum)
    {
        var weights = Enumerable.Range(0, parts).Select(_ => 0.5 + _random.NextDouble()).ToArray();
        var sum = weights.Sum();
        var spare = total - (parts * minimum);
        var shares = weights.Select(weight => minimum + (int)(spare * weight / sum)).ToArray();
        shares[^1] += total - shares.Sum();
        return shares;
    }
}
