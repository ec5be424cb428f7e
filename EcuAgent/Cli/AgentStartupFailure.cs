using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OrleansCms.Cli;

/// <summary>
/// Turns a bad setting found when the agent's options are built and validated into one line that names its key
/// (the silo's <c>StartupFailure</c> does the same for the silo's options).
/// </summary>
public static partial class AgentStartupFailure
{
    // The assembly whose InvalidOperationException says "Failed to convert configuration value 'x' at 'Agent:Key' ...".
    private const string ConfigurationBinder = "Microsoft.Extensions.Configuration.Binder";

    public static bool TryDescribe(Exception exception, out string message)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                message = Describe(validation);
                return true;
            case FormatException format:
                message = format.Message;
                return true;
            case InvalidOperationException when exception.Source == ConfigurationBinder:
                message = exception.InnerException is { } cause ? $"{exception.Message} {cause.Message}" : exception.Message;
                return true;
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                var described = new List<string>();
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (!TryDescribe(inner, out var line))
                    {
                        message = "";
                        return false;
                    }

                    described.Add(line);
                }

                message = string.Join(" ", described);
                return true;
            default:
                message = "";
                return false;
        }
    }

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
