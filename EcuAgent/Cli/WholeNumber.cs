using System.CommandLine.Parsing;
using System.Globalization;

namespace OrleansCms.Cli;

/// <summary>Parses a numeric option so that a bad value is named with the option, its unit and its range, not a .NET type.</summary>
internal static class WholeNumber
{
    public static Func<ArgumentResult, T> Parser<T>(string option, long min, long max, string unit, Func<long, T> convert) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
        {
            return convert(number);
        }

        result.AddError($"{option} takes a whole number{(unit.Length > 0 ? $" of {unit}" : "")} from {min} to {max}, not '{text}'.");
        return default!;
    };
}
