using OrleansCms.Ecus;

namespace OrleansCms.Restoration;

/// <summary>Calls to agents that stop waiting once the agent's ECU is no longer alive.</summary>
public sealed partial class RestorationGrain
{
    /// <summary>
    /// Waits for an agent's answer for at most <paramref name="timeout"/>, and gives up as soon as the ECU of
    /// <paramref name="mac"/> is no longer alive: a dead agent never answers, and Orleans would only fail the call
    /// after its own response timeout, holding up the whole round meanwhile.
    /// </summary>
    /// <exception cref="EcuNotAliveException">The ECU was declared failed (or fenced, retired) while waiting.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    private async Task<T> AnsweredWhileAliveAsync<T>(string mac, Task<T> call, TimeSpan timeout)
    {
        var ecu = GrainFactory.GetGrain<IEcuGrain>(mac);
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                call.Ignore();
                throw new TimeoutException($"{mac} did not answer within {timeout.TotalSeconds:0.#} s");
            }

            var poll = remaining < _options.AlivePollInterval ? remaining : _options.AlivePollInterval;
            if (await Task.WhenAny(call, Task.Delay(poll, clock)) == call)
            {
                return await call;
            }

            if ((await ecu.GetAsync()).Status is var status and not EcuStatus.Alive)
            {
                call.Ignore();
                throw new EcuNotAliveException($"{mac} is {status}; its agent will not answer");
            }
        }
    }

    private async Task AnsweredWhileAliveAsync(string mac, Task call, TimeSpan timeout) =>
        await AnsweredWhileAliveAsync(mac, Answered(call), timeout);

    private static async Task<bool> Answered(Task call)
    {
        await call;
        return true;
    }

    /// <summary>The agent's ECU stopped being alive while the restoration waited for its answer.</summary>
    private sealed class EcuNotAliveException(string message) : Exception(message);
}
