using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OrleansCms.Configuration;

/// <summary>
/// Turns a bad setting, found when options are bound or validated at start-up, into one line that names its
/// configuration key. Shared by the silo and the agent, whose start-up failures add their own cases around it.
/// </summary>
public static partial class OptionsFailure
{
    // The assembly whose InvalidOperationException says "Failed to convert configuration value 'x' at 'Cms:Key' ...".
    private const string ConfigurationBinder = "Microsoft.Extensions.Configuration.Binder";

    /// <summary>Describes a validation or binding failure; false for any other exception.</summary>
    public static bool TryDescribe(Exception exception, out string message)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                message = Describe(validation);
                return true;
            case InvalidOperationException when exception.Source == ConfigurationBinder:
                message = exception.InnerException is { } cause ? $"{exception.Message} {cause.Message}" : exception.Message;
                return true;
            default:
                message = "";
                return false;
        }
    }

    /// <summary>
    /// Describes every exception of an aggregate (start-up validation of several options classes fails with one
    /// each) with <paramref name="describe"/>; false when one of them is not described.
    /// </summary>
    public static bool TryDescribeAll(AggregateException aggregate, TryDescribeFailure describe, out string message)
    {
        var described = new List<string>();
        foreach (var inner in aggregate.InnerExceptions)
        {
            if (!describe(inner, out var line))
            {
                message = "";
                return false;
            }

            described.Add(line);
        }

        message = string.Join(" ", described);
        return described.Count > 0;
    }

    /// <summary>
    /// One data-annotation failure per key, named as configuration names it (<c>Cms:Liveness:Lease: The field …</c>), or
    /// the bare message when it already names its key or belongs to no single one.
    /// </summary>
    private static string Describe(OptionsValidationException validation)
    {
        var section = validation.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        return string.Join(" ", validation.Failures.Select(failure =>
        {
            var match = DataAnnotationFailure().Match(failure);
            if (!match.Success)
            {
                return failure;
            }

            var error = match.Groups["error"].Value;
            var keys = match.Groups["members"].Value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(member => section is null ? member : $"{section}:{member}")
                .ToList();
            return keys.Count == 0 || keys.Any(key => error.Contains(key, StringComparison.Ordinal))
                ? error
                : $"{string.Join(", ", keys)}: {error}";
        }));
    }

    // The text of Microsoft.Extensions.Options' DataAnnotationValidateOptions; a failure in another form is shown as it is.
    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}

/// <summary>Describes one start-up failure as a line, or answers false.</summary>
public delegate bool TryDescribeFailure(Exception exception, out string message);
