using System.Globalization;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>The options of <c>./cms bench soak [--minutes N] [--agents N] [--seed S]</c>.</summary>
public sealed record SoakOptions(double Minutes, int Agents, int Seed)
{
    public const string Usage = "./cms bench soak [--minutes N (default 30)] [--agents N (default 4, at least 2)] [--seed S (default random)]";

    /// <exception cref="FormatException">An unknown option or a bad value.</exception>
    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions(Minutes: 30, Agents: 4, Seed: Random.Shared.Next());
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new FormatException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--minutes" => options with { Minutes = Number<double>(args[i], value, double.TryParse) },
                "--agents" => options with { Agents = Number<int>(args[i], value, int.TryParse) },
                "--seed" => options with { Seed = Number<int>(args[i], value, int.TryParse) },
                _ => throw new FormatException($"unknown option {args[i]}"),
            };
            i++;
        }

        return options.Minutes <= 0 || options.Agents < 2 ? throw new FormatException("--minutes must be positive and --agents at least 2") : options;
    }

    private delegate bool TryParse<T>(string text, NumberStyles styles, IFormatProvider provider, out T value);

    private static T Number<T>(string option, string text, TryParse<T> parse) =>
        parse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"{option} {text} is not a number");
}
