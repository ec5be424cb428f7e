using OrleansCms.Configuration;
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
                case AggregateException aggregate:
                    return OptionsFailure.TryDescribeAll(aggregate, TryDescribe, out message);
                default:
                    if (OptionsFailure.TryDescribe(e, out message))
                    {
                        return true;
                    }

                    break;
            }
        }

        message = "";
        return false;
    }
}
