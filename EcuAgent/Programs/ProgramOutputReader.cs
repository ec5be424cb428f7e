using System.Text;

namespace OrleansCms.Programs;

/// <summary>
/// Reads header lines and payloads from a program's stdout, enforcing the header length limit.
/// Violations are thrown as <see cref="ProgramOutputException"/>; <see cref="ProgramProcess"/> turns
/// them into a <see cref="ProgramProtocolException"/> once the program is killed.
/// </summary>
internal sealed class ProgramOutputReader(Stream output)
{
    /// <summary>Longest header line, its '\n' included.</summary>
    public const int MaxHeaderBytes = 128;

    private readonly byte[] _buffer = new byte[64 << 10];
    private int _start;
    private int _end;

    /// <summary>Bytes received but not consumed yet, for error messages.</summary>
    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The next header line, without its '\n'.</summary>
    public async ValueTask<string> ReadHeaderAsync(string expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Pending.IndexOf((byte)'\n');
            if (newline >= MaxHeaderBytes || (newline < 0 && Pending.Length >= MaxHeaderBytes))
            {
                throw new ProgramOutputException(ProtocolViolation.HeaderTooLong,
                    $"expected {expected}, received a header line longer than {MaxHeaderBytes} bytes: {Printable(Pending)}");
            }

            if (newline >= 0)
            {
                // Latin-1 maps every byte to one char, so a non-ASCII header just fails to match.
                var line = Encoding.Latin1.GetString(_buffer, _start, newline);
                _start += newline + 1;
                return line;
            }

            if (await FillAsync(cancellationToken) == 0)
            {
                throw new ProgramOutputException(ProtocolViolation.OutputClosed,
                    $"output ended while the agent expected {expected}; received {Printable(Pending)}");
            }
        }
    }

    /// <summary>Exactly <paramref name="count"/> payload bytes.</summary>
    public async ValueTask<byte[]> ReadPayloadAsync(int count, string what, CancellationToken cancellationToken)
    {
        var payload = GC.AllocateUninitializedArray<byte>(count);
        var buffered = Math.Min(count, _end - _start);
        Pending[..buffered].CopyTo(payload);
        _start += buffered;
        for (var read = buffered; read < count;)
        {
            var n = await output.ReadAsync(payload.AsMemory(read), cancellationToken);
            read += n > 0 ? n : throw new ProgramOutputException(ProtocolViolation.Truncated,
                $"{what} announced {count} bytes but output ended after {read}");
        }

        return payload;
    }

    /// <summary>A printable, quoted prefix (at most ~60 chars) of bytes a program sent.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int MaxChars = 60;
        if (bytes.IsEmpty)
        {
            return "nothing";
        }

        var text = new StringBuilder("\"");
        foreach (var b in bytes)
        {
            if (text.Length > MaxChars)
            {
                return text.Append("\"…").ToString();
            }

            _ = b switch
            {
                (byte)'\n' => text.Append("\\n"),
                (byte)'"' or (byte)'\\' => text.Append('\\').Append((char)b),
                >= 0x20 and < 0x7F => text.Append((char)b),
                _ => text.Append($"\\x{b:x2}"),
            };
        }

        return text.Append('"').ToString();
    }

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Pending.CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        var n = await output.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += n;
        return n;
    }
}

/// <summary>A violation found while reading a program's output, before the program is killed.</summary>
internal sealed class ProgramOutputException(ProtocolViolation violation, string detail) : Exception(detail)
{
    public ProtocolViolation Violation { get; } = violation;
}
