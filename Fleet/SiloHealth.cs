namespace OrleansCms.Fleet;

/// <summary>A silo's <c>GET /health</c>: 200 while it is an active cluster member and PostgreSQL answers, 503 otherwise.</summary>
public static class SiloHealth
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether a failed request means only that the silo does not answer yet: not listening, just killed, or slow.</summary>
    public static bool NotAnswering(Exception e) => e is HttpRequestException or TaskCanceledException;

    /// <summary>
    /// Asks the health check of <paramref name="silo"/> (on <paramref name="host"/>) until it answers 200, and then marks
    /// it healthy; stops early when its process exits. A request that fails with an exception that
    /// <paramref name="notYet"/> (default <see cref="NotAnswering"/>) accepts is asked again; any other is thrown.
    /// </summary>
    public static async Task<HealthWait> WaitAsync(FleetMember silo, HttpClient http, TimeSpan timeout, CancellationToken cancellationToken = default,
        Func<Exception, bool>? notYet = null, string host = "127.0.0.1")
    {
        var process = silo.Process ?? throw new InvalidOperationException($"{silo.Spec.Name} was not started.");
        var health = new Uri($"http://{host}:{silo.Spec.Ports!.Http}/health");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return HealthWait.Cancelled;
            }

            if (process.HasExited || !ReferenceEquals(silo.Process, process))
            {
                return HealthWait.Exited;
            }

            try
            {
                using var response = await http.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    silo.MarkHealthy();
                    return HealthWait.Healthy;
                }
            }
            catch (Exception e) when ((notYet ?? NotAnswering)(e) || cancellationToken.IsCancellationRequested)
            {
                // Not listening yet, or the wait is over.
            }

            await Task.Delay(PollInterval, CancellationToken.None);
        }

        return HealthWait.TimedOut;
    }
}
