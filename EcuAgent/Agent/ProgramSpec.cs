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

    public static ProgramInfo Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var commandAt = text.IndexOf("cmd=", StringComparison.Ordinal);
        var command = commandAt < 0 ? [] : text[(commandAt + 4)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var fields = (commandAt < 0 ? text : text[..commandAt]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? name = null;
        long ramMb = 0;
        TimeSpan? period = null, wcet = null, interval = null;
        var latencyCritical = false;
        foreach (var field in fields)
        {
            var (key, value) = field.IndexOf('=') is var eq and > 0 ? (field[..eq], field[(eq + 1)..]) : (field, "");
            switch (key)
            {
                case "name": name = value; break;
                case "ram-mb": ramMb = Number(key, value); break;
                case "period-ms": period = TimeSpan.FromMilliseconds(Number(key, value)); break;
                case "wcet-ms": wcet = TimeSpan.FromMilliseconds(Number(key, value)); break;
                case "interval-ms": interval = TimeSpan.FromMilliseconds(Number(key, value)); break;
                case "latency-critical": latencyCritical = true; break;
                default: throw new FormatException($"unknown program field '{key}' in '{text}'; expected name, ram-mb, period-ms, wcet-ms, interval-ms, latency-critical, cmd.");
            }
        }

        if (string.IsNullOrWhiteSpace(name) || ramMb <= 0 || command.Length == 0)
        {
            throw new FormatException($"program '{text}' needs name=, ram-mb= (> 0) and cmd=.");
        }

        if (period.HasValue != wcet.HasValue || wcet > period)
        {
            throw new FormatException($"program '{name}' must declare both period-ms and wcet-ms, with wcet-ms ≤ period-ms, or neither.");
        }

        return new ProgramInfo(name, ramMb << 20, period, wcet, latencyCritical, command, interval ?? DefaultInterval);
    }

    private static long Number(string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new FormatException($"{key} must be a positive whole number, not '{value}'.");
}
