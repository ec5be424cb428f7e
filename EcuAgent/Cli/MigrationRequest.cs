using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Machine;
using OrleansCms.Restoration;

namespace OrleansCms.Cli;

/// <summary><c>ecu-agent migrate</c>: requests a migration and prints its progress until it finishes.</summary>
internal static class MigrationRequest
{
    public static async Task<int> RunAsync(ParseResult parsed, string cms, string clusterId, string? mac, int programId, string? target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string source;
        try
        {
            source = MacAddress.Normalize(mac ?? HostIdentity.FirstMacAddress() ?? throw new FormatException("pass --mac."));
            var deadlineToConnect = DateTimeOffset.UtcNow.AddSeconds(10);
            using var tls = TlsCommandOptions.Load(parsed);
            var builder = CmsClientHost.Create(Gateways.Parse(cms), clusterId, clusterId, tls, () => DateTimeOffset.UtcNow < deadlineToConnect);
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var id = await grains.GetGrain<IEcuGrain>(source).RequestMigrationAsync(programId, target);
            Console.WriteLine($"migration {id} requested");
            return await FollowAsync(grains.GetGrain<IRestorationGrain>(id), timeout, cancellationToken);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or CheckpointRejectedException or OrleansException)
        {
            await Console.Error.WriteLineAsync($"ecu-agent migrate: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> FollowAsync(IRestorationGrain migration, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var printed = 0;
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var view = await migration.GetAsync();
            var item = view?.Programs.FirstOrDefault();
            var events = item?.Events ?? [];
            foreach (var line in events.Skip(printed))
            {
                Console.WriteLine($"  {line}");
            }

            printed = events.Count;
            if (view?.FinishedAt is not null && item is not null)
            {
                Console.WriteLine(item.Outcome == RestorationOutcome.Running
                    ? $"done: now {item.TargetMac}/{item.NewProgramId}"
                    : $"not migrated: {item.Outcome} ({item.Detail})");
                return item.Outcome == RestorationOutcome.Running ? 0 : 1;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        await Console.Error.WriteLineAsync("ecu-agent migrate: still running after the timeout; see GET /api/restorations.");
        return 1;
    }
}
