using OrleansCms.Configuration;

namespace OrleansCms.Cli;

/// <summary>
/// Turns a bad setting found when the agent's options are built and validated into one line that names its key
/// (<see cref="OptionsFailure"/>, as the silo does), or a malformed program declaration into its reason.
/// </summary>
public static class AgentStartupFailure
{
    public static bool TryDescribe(Exception exception, out string message)
    {
        switch (exception)
        {
            case FormatException format:
                message = format.Message;
                return true;
            case AggregateException aggregate:
                return OptionsFailure.TryDescribeAll(aggregate, TryDescribe, out message);
            default:
                return OptionsFailure.TryDescribe(exception, out message);
        }
    }
}
