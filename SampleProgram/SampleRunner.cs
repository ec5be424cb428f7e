using System.Globalization;

namespace OrleansCms.SampleProgram;

/// <summary>The program side of docs/program-protocol.md.</summary>
internal static class SampleRunner
{
    public static int Run(SampleOptions options, Stream input, Stream output, TextWriter log)
    {
        var reader = new InputReader(input);
        SampleMemory memory;
        try
        {
            var first = reader.ReadLine();
            if (first is null)
            {
                return 0; // closed stdin before anything started: the same as STOP
            }

            if (first == "START")
            {
                memory = SampleMemory.Fresh(options);
                log.WriteLine($"sample: started fresh, image {memory.ImageLength} bytes");
            }
            else if (TryParseArgument(first, "RESTORE ", out var length) && length <= (ulong)Array.MaxLength)
            {
                if (Restore(reader.ReadExactly((int)length), options, log) is not { } restored)
                {
                    return 3;
                }

                memory = restored;
            }
            else
            {
                log.WriteLine($"sample: expected START or RESTORE <n>, got '{first}'");
                return 4;
            }

            output.Write("READY\n"u8);
            output.Flush();

            while (reader.ReadLine() is { } line && line != "STOP")
            {
                if (!TryParseArgument(line, "CHECKPOINT ", out var id))
                {
                    log.WriteLine($"sample: expected CHECKPOINT <id> or STOP, got '{line}'");
                    return 4;
                }

                memory.DirtyImage();
                memory.WriteState(id, output);
            }

            log.WriteLine($"sample: stopping at counter {memory.Counter}");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            log.WriteLine($"sample: protocol error: {e.Message}");
            return 4;
        }
        catch (IOException e)
        {
            log.WriteLine($"sample: the agent went away: {e.Message}");
            return 0;
        }
    }

    private static SampleMemory? Restore(byte[] state, SampleOptions options, TextWriter log)
    {
        try
        {
            var memory = SampleMemory.Restore(state, options);
            log.WriteLine($"sample: restored counter {memory.RestoredFrom}, image {memory.ImageLength} bytes");
            return memory;
        }
        catch (FormatException e)
        {
            log.WriteLine($"sample: bad restore state: {e.Message}");
            return null;
        }
    }

    private static bool TryParseArgument(string line, string prefix, out ulong value)
    {
        value = 0;
        return line.StartsWith(prefix, StringComparison.Ordinal)
            && ulong.TryParse(line.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
