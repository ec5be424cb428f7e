namespace OrleansCms.Tests.Fixtures;

/// <summary>Waits for a condition that the system reaches asynchronously, failing with a message at the deadline.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (accept(last))
                {
                    return last;
                }
            }
            catch (Exception e)
            {
                lastError = e;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}; last value: {last}", lastError);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        ReturnsAsync(probe, ok => ok, timeout, what);
}
