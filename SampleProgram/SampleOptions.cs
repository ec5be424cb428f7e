using System.Globalization;

namespace OrleansCms.SampleProgram;

/// <summary>The sample program's command line.</summary>
internal sealed record SampleOptions(double StateMb, double Dirty, int TickMs, int? Seed, bool Help)
{
    public const string Usage = """
        usage: OrleansCms.SampleProgram [options]
          --state-mb <double>   memory image size in MiB (default 1; 0 allowed; ignored on RESTORE)
          --dirty <0..1>        share of the image rewritten before each checkpoint (default 0.05)
          --tick-ms <int>       the counter advances by 1 every tick (default 10)
          --seed <int>          seed of the image contents and dirty regions (default: random)
          --help                this text
        Speaks the checkpoint protocol of docs/program-protocol.md on stdin/stdout.

        """;

    public static SampleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SampleOptions(StateMb: 1, Dirty: 0.05, TickMs: 10, Seed: null, Help: false);
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--help" or "-h" => options with { Help = true },
                "--state-mb" => options with { StateMb = ParseDouble(args, ++i, 0, SampleMemory.MaxImageBytes / (1024.0 * 1024)) },
                "--dirty" => options with { Dirty = ParseDouble(args, ++i, 0, 1) },
                "--tick-ms" => options with { TickMs = ParseInt(args, ++i, 1, int.MaxValue) },
                "--seed" => options with { Seed = ParseInt(args, ++i, int.MinValue, int.MaxValue) },
                var other => throw new FormatException($"unknown option '{other}'"),
            };
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, int i) =>
        i < args.Count ? args[i] : throw new FormatException($"option '{args[i - 1]}' needs a value");

    private static double ParseDouble(IReadOnlyList<string> args, int i, double min, double max)
    {
        var text = Value(args, i);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"option '{args[i - 1]}' needs a number from {min} to {max}, not '{text}'");
    }

    private static int ParseInt(IReadOnlyList<string> args, int i, int min, int max)
    {
        var text = Value(args, i);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"option '{args[i - 1]}' needs an integer from {min} to {max}, not '{text}'");
    }
}
