using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>
/// Waits for an agent's answer for at most a timeout, and gives up as soon as the agent's ECU is no longer alive:
/// a dead agent never answers, and Orleans would only fail the call after its own response timeout, holding up a
/// whole restoration round meanwhile.
/// </summary>
/// <param name="clock">Measures the timeout and the pauses between status checks.</param>
/// <param name="pollInterval">How often the ECU's status is checked while the call is unanswered.</param>
public sealed class AgentAnswerWait(TimeProvider clock, TimeSpan pollInterval)
{
    /// <summary>The call's answer, unless the ECU of <paramref name="mac"/> stops being alive or the time runs out.</summary>
    /// <param name="mac">The ECU whose agent was called (for the messages).</param>
    /// <param name="call">The call to the agent, already sent.</param>
    /// <param name="timeout">How long to wait for it at most.</param>
    /// <param name="status">Asks the ECU's status now.</param>
    /// <exception cref="EcuNotAliveException">The ECU was declared failed (or fenced, retired) while waiting.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    public async Task<T> AnsweredAsync<T>(string mac, Task<T> call, TimeSpan timeout, Func<Task<EcuStatus>> status)
    {
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                call.Ignore();
                throw new TimeoutException($"{mac} did not answer within {timeout.TotalSeconds:0.#} s");
            }

            var poll = remaining < pollInterval ? remaining : pollInterval;
            if (await Task.WhenAny(call, Task.Delay(poll, clock)) == call)
            {
                return await call;
            }

            if (await status() is var now and not EcuStatus.Alive)
            {
                call.Ignore();
                throw new EcuNotAliveException($"{mac} is {now}; its agent will not answer");
            }
        }
    }

    /// <inheritdoc cref="AnsweredAsync{T}"/>
    public async Task AnsweredAsync(string mac, Task call, TimeSpan timeout, Func<Task<EcuStatus>> status) =>
        await AnsweredAsync(mac, Answered(call), timeout, status);

    private static async Task<bool> Answered(Task call)
    {
        await call;
        return true;
    }
}
