using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCms.Restoration;

namespace OrleansCms.Ecus;

/// <summary>
/// ECU grains on a dead silo stop checking their leases. When a silo is declared dead, every survivor
/// activates the alive ECUs' grains again (idempotent), so their leases are watched within the silo
/// death detection time plus one lease. Unfinished restorations are woken the same way, so one whose silo
/// died resumes at once instead of at its next reminder.
/// </summary>
public sealed class SiloDeathWatcher(IClusterMembershipService membership, IGrainFactory grains, ILogger<SiloDeathWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        HashSet<SiloAddress>? dead = null;
        await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
        {
            var deadNow = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress).ToList();
            if (dead is null)
            {
                dead = [.. deadNow]; // silos that died before this one started are not news
                continue;
            }

            var newlyDead = deadNow.Where(dead.Add).ToList();
            if (newlyDead.Count == 0)
            {
                continue;
            }

            try
            {
                var count = await grains.GetGrain<IFleetGrain>(0).WatchAllAsync();
                logger.RewatchingFleet(string.Join(",", newlyDead), count);
                await grains.GetGrain<IRestorationLogGrain>(0).ResumeUnfinishedAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The reminders remain as the slow safety net.
                logger.RewatchFailed(e);
            }
        }
    }
}
