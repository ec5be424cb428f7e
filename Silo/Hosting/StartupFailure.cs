using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using OrleansCms.Schema;

namespace OrleansCms.Hosting;

/// <summary>Turns the failures an operator can fix (configuration, database) into one line.</summary>
public static class StartupFailure
{
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
                    message = string.Join("; ", validation.Failures);
                    return true;
                case ValidationException validation:
                    message = validation.Message;
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    return TryDescribe(aggregate.InnerExceptions[0], out message);
            }
        }

        message = "";
        return false;
    }
}
