using System.Globalization;
using OrleansCms.Checkpoints;

namespace OrleansCms.Agent;

/// <summary>
/// A program as declared on the command line: <c>name=counter,ram-mb=64,interval-ms=1000,period-ms=10,wcet-ms=2,
/// latency-critical,cmd=sample --state-mb 16</c>. <c>cmd</c> comes last and takes the rest of the text; its words
/// are the command line (<c>sample</c> is the bundled sample program).
/// </summary>
public static class ProgramSpec
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private const string CommandField = "cmd=";

    /// <summary>1 PiB: far beyond any ECU, and far from overflowing a byte count.</summary>
    private const long MaxRamMb = 1L << 30;

    /// <summary>About 24.8 days, the longest period a timer accepts with room to spare.</summary>
    private const long MaxMilliseconds = int.MaxValue;

    /// <exception cref="FormatException">The spec is empty, lacks name, ram-mb or cmd, or has a bad, repeated or unknown field.</exception>
    public static ProgramInfo Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("empty program spec; expected name=<name>,ram-mb=<MiB>,…,cmd=<command line>.");
        }

        var (fields, command) = Split(text);
        string? name = null;
        long? ramMb = null;
        TimeSpan? period = null, wcet = null, interval = null;
        var latencyCritical = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq > 0 ? (field[..eq], field[(eq + 1)..]) : (field, null);
            if (!seen.Add(key))
            {
                throw new FormatException($"field '{key}' is given twice in program spec '{text}'.");
            }

            switch (key)
            {
                case "name": name = value; break;
                case "ram-mb": ramMb = Number(key, value, MaxRamMb); break;
                case "period-ms": period = Milliseconds(key, value); break;
                case "wcet-ms": wcet = Milliseconds(key, value); break;
                case "interval-ms": interval = Milliseconds(key, value); break;
                case "latency-critical":
                    latencyCritical = value is null ? true : throw new FormatException($"latency-critical takes no value (write just 'latency-critical'), not '{field}'.");
                    break;
                default: throw new FormatException($"unknown program field '{key}' in '{text}'; expected name, ram-mb, period-ms, wcet-ms, interval-ms, latency-critical, cmd.");
            }
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FormatException($"program spec '{text}' needs name=<name>.");
        }

        if (ramMb is not { } ram)
        {
            throw new FormatException($"program '{name}' needs ram-mb=<MiB>.");
        }

        if (command.Length == 0)
        {
            throw new FormatException($"program '{name}' needs cmd=<command line> as its last field.");
        }

        if (period.HasValue != wcet.HasValue)
        {
            throw new FormatException($"program '{name}' must declare both period-ms and wcet-ms, or neither.");
        }

        if (wcet > period)
        {
            throw new FormatException($"program '{name}': wcet-ms ({wcet.Value.TotalMilliseconds}) must not exceed period-ms ({period!.Value.TotalMilliseconds}).");
        }

        return new ProgramInfo(name, ram << 20, period, wcet, latencyCritical, command, interval ?? DefaultInterval);
    }

    /// <summary>The fields before <c>cmd=</c>, and the words after it; <c>cmd=</c> counts only where a field starts.</summary>
    private static (List<string> Fields, string[] Command) Split(string text)
    {
        var fields = new List<string>();
        for (var start = 0; start <= text.Length;)
        {
            var comma = text.IndexOf(',', start);
            var end = comma < 0 ? text.Length : comma;
            var field = text[start..end].Trim();
            if (field.StartsWith(CommandField, StringComparison.Ordinal))
            {
                var commandAt = text.IndexOf(CommandField, start, StringComparison.Ordinal) + CommandField.Length;
                return (fields, text[commandAt..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }

            if (field.Length > 0)
            {
                fields.Add(field);
            }

            start = end + 1;
        }

        return (fields, []);
    }

    private static TimeSpan Milliseconds(string key, string? value) => TimeSpan.FromMilliseconds(Number(key, value, MaxMilliseconds));

    private static long Number(string key, string? value, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new FormatException($"{key} must be a positive whole number, not '{value}'.");
        }

        return number <= max ? number : throw new FormatException($"{key} must be at most {max}, not '{value}'.");
    }
}
