using System.Text.Json;

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

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}; last value: {Describe(last)}", lastError);
    }

    /// <summary>The value as JSON, so that nested lists show their items (a record's ToString shows only their type).</summary>
    private static string Describe<T>(T value)
    {
        try
        {
            return JsonSerializer.Serialize(value);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return value?.ToString() ?? "null";
        }
    }

    public static Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        ReturnsAsync(probe, ok => ok, timeout, what);
}
