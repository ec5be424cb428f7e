using System.Text.Json;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Waits for a condition that the system reaches asynchronously, failing with the last value at the deadline.
/// A probe's exception is retried only when <c>retryOn</c> names it as transient (see <see cref="Transient"/>);
/// any other, an assertion failure above all, ends the wait at once.
/// </summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(
        Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string what, Func<Exception, bool>? retryOn = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last = default!;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                lastError = null;
                if (accept(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (retryOn?.Invoke(e) == true)
            {
                lastError = e;
            }

            await Task.Delay(100);
        }

        var error = lastError is null ? "" : $"; last transient error: {lastError.GetType().Name}: {lastError.Message}";
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}; last value: {Describe(last)}{error}", lastError);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what, Func<Exception, bool>? retryOn = null) =>
        ReturnsAsync(probe, ok => ok, timeout, what, retryOn);

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
}
