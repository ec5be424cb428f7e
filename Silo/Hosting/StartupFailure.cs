using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OrleansCms.Schema;

namespace OrleansCms.Hosting;

/// <summary>Turns the failures an operator can fix (configuration, database) into one line.</summary>
public static partial class StartupFailure
{
    // The assembly whose InvalidOperationException says "Failed to convert configuration value 'x' at 'Cms:Key' ...".
    private const string ConfigurationBinder = "Microsoft.Extensions.Configuration.Binder";

    public static bool TryDescribe(Exception exception, out string message)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case CmsStartupException startup:
                    message = startup.Message;
                    return true;
                case OptionsValidationException validation:
                    message = Describe(validation);
                    return true;
                case InvalidOperationException when e.Source == ConfigurationBinder:
                    message = e.InnerException is { } cause ? $"{e.Message} {cause.Message}" : e.Message;
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    // Start-up validation of several options classes fails with one exception each.
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
            }
        }

        message = "";
        return false;
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
