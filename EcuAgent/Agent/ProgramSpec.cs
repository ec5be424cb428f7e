using System.Globalization;
using OrleansCms.Checkpoints;

namespace OrleansCms.Agent;

/// <summary>
/// A program as declared on the command line: <c>name=counter,ram-mb=64,interval-ms=1000,period-ms=10,wcet-ms=2,
/// latency-critical,isolation=freeze,standby=on,cmd=sample --state-mb 16</c>. <c>standby</c> (<c>on</c> or <c>off</c>;
/// by default on for a latency-critical program, else off) asks the CMS to keep the newest checkpoint warm on another ECU. <c>cmd</c> comes last and takes the rest of the text; its words
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

    /// <summary>Parses one spec; <paramref name="position"/> (1-based, the n-th <c>--program</c>) only names it in errors.</summary>
    /// <exception cref="FormatException">
    /// The spec is empty, lacks name, ram-mb or cmd, or has a bad, repeated or unknown field. The message names the
    /// program (by its name, else its position or text), says what is wrong and how to write it.
    /// </exception>
    public static ProgramInfo Parse(string text, int? position = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (fields, command) = Split(text);
        var which = Which(text, fields, position);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"{which} is empty; write name=<name>,ram-mb=<MiB>,…,cmd=<command line>.");
        }

        string? name = null;
        long? ramMb = null;
        TimeSpan? period = null, wcet = null, interval = null;
        var latencyCritical = false;
        var isolation = IsolationPolicy.Freeze;
        bool? standby = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq > 0 ? (field[..eq], field[(eq + 1)..]) : (field, null);
            if (!seen.Add(key))
            {
                throw new FormatException($"{which}: field '{key}' is given twice; give it once.");
            }

            switch (key)
            {
                case "name": name = value; break;
                case "ram-mb": ramMb = Number(which, key, value, MaxRamMb, "of MiB", 64); break;
                case "period-ms": period = Milliseconds(which, key, value, 10); break;
                case "wcet-ms": wcet = Milliseconds(which, key, value, 2); break;
                case "interval-ms": interval = Milliseconds(which, key, value, 1000); break;
                case "latency-critical":
                    latencyCritical = value is null ? true : throw new FormatException($"{which}: latency-critical takes no value; write just 'latency-critical', not '{field}'.");
                    break;
                case "isolation": isolation = Isolation(which, value); break;
                case "standby": standby = Standby(which, value); break;
                default: throw new FormatException($"{which}: unknown program field '{key}'; the fields are name, ram-mb, interval-ms, period-ms, wcet-ms, latency-critical, isolation, standby and, last, cmd.");
            }
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new FormatException($"{which} needs name=<name>; add one, e.g. name=nav.");
        }

        if (ramMb is not { } ram)
        {
            throw new FormatException($"{which} needs ram-mb=<MiB>, the RAM it needs; add e.g. ram-mb=64.");
        }

        if (command.Length == 0)
        {
            throw new FormatException($"{which} needs cmd=<command line> as its last field, e.g. cmd=sample --state-mb 16.");
        }

        if (period.HasValue != wcet.HasValue)
        {
            throw new FormatException($"{which} must declare both period-ms and wcet-ms, or neither; add {(period.HasValue ? "wcet-ms" : "period-ms")} or drop {(period.HasValue ? "period-ms" : "wcet-ms")}.");
        }

        if (wcet > period)
        {
            throw new FormatException($"{which}: wcet-ms ({wcet.Value.TotalMilliseconds}) must not exceed period-ms ({period!.Value.TotalMilliseconds}); lower wcet-ms or raise period-ms.");
        }

        return new ProgramInfo(name, ram << 20, period, wcet, latencyCritical, command, interval ?? DefaultInterval, isolation, standby ?? latencyCritical);
    }

    /// <summary>How an error names the program: by its name when it has one, and by its position on the command line.</summary>
    private static string Which(string text, List<string> fields, int? position)
    {
        var name = fields.Where(f => f.StartsWith("name=", StringComparison.Ordinal)).Select(f => f[5..].Trim()).FirstOrDefault(n => n.Length > 0);
        return (name, position) switch
        {
            (null, null) => $"program spec '{text}'",
            (null, { } n) => $"--program #{n}",
            ({ } known, null) => $"program '{known}'",
            ({ } known, { } n) => $"--program #{n} ('{known}')",
        };
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

    private static IsolationPolicy Isolation(string which, string? value) => value switch
    {
        "freeze" => IsolationPolicy.Freeze,
        "continue" => IsolationPolicy.Continue,
        _ => throw new FormatException($"{which}: isolation must be 'freeze' (the default: stopped while the ECU is cut off) or 'continue' (runs on; moved only on a confirmed failure), not '{value}'."),
    };

    private static bool Standby(string which, string? value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new FormatException($"{which}: standby must be 'on' (the CMS keeps the newest checkpoint warm on another ECU) or 'off', not '{value}'."),
    };

    private static TimeSpan Milliseconds(string which, string key, string? value, long example) =>
        TimeSpan.FromMilliseconds(Number(which, key, value, MaxMilliseconds, "of milliseconds", example));

    private static long Number(string which, string key, string? value, long max, string unit, long example)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new FormatException($"{which}: {key} must be a positive whole number {unit}, not '{value}'; write e.g. {key}={example}.");
        }

        return number <= max ? number : throw new FormatException($"{which}: {key} must be at most {max}, not '{value}'.");
    }
}
