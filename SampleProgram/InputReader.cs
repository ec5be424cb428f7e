using System.Text;

namespace OrleansCms.SampleProgram;

/// <summary>Reads the agent's header lines and raw payloads from one buffered stream.</summary>
internal sealed class InputReader(Stream input)
{
    public const int MaxLineBytes = 128;

    private readonly byte[] _buffer = new byte[64 << 10];
    private int _start;
    private int _end;

    /// <summary>The next line without its '\n'; null at end of input.</summary>
    public string? ReadLine()
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline);
                _start += newline + 1;
                return line;
            }

            if (_end - _start >= MaxLineBytes)
            {
                throw new InvalidDataException($"header line longer than {MaxLineBytes} bytes");
            }

            if (Fill() == 0)
            {
                return _end == _start ? null : throw new InvalidDataException("input ended in the middle of a line");
            }
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes; throws at a premature end of input.</summary>
    public byte[] ReadExactly(int count)
    {
        var result = GC.AllocateUninitializedArray<byte>(count);
        var buffered = Math.Min(count, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(result);
        _start += buffered;
        for (var read = buffered; read < count;)
        {
            var n = input.Read(result, read, count - read);
            read += n > 0 ? n : throw new EndOfStreamException($"input ended after {read} of {count} payload bytes");
        }

        return result;
    }

    private int Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var n = input.Read(_buffer, _end, _buffer.Length - _end);
        _end += n;
        return n;
    }
}
