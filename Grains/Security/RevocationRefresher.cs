using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansCms.Security;

/// <summary>
/// Reads the revoked certificates once the schema is in place and before the silo takes calls (a start that cannot read
/// them fails), then every <see cref="RevocationOptions.RefreshInterval"/>; a failed refresh keeps the last set.
/// </summary>
public sealed partial class RevocationRefresher(RevokedCertificates revoked, IOptions<RevocationOptions> options, ILogger<RevocationRefresher> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _refreshing = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RevocationRefresher), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await revoked.RefreshAsync(cancellationToken);
        _refreshing = RefreshEveryIntervalAsync(_stopping.Token);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RefreshEveryIntervalAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await revoked.RefreshAsync(stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    RefreshFailed(e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the revoked certificates; the last set read stays in force: {Reason}")]
    private partial void RefreshFailed(string reason);
}
