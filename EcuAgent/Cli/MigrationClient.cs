using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Storage;

namespace OrleansCms.Cli;

/// <summary><c>ecu-agent migrate</c>: requests a migration and prints its progress until it finishes.</summary>
internal static class MigrationClient
{
    private static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(
        ParseResult parsed, string cms, string clusterId, string? mac, ProgramChoice program, string? target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (output, error) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        string source;
        string? targetMac;
        List<System.Net.IPEndPoint> gateways;
        Security.FleetCertificates? tls;
        try
        {
            program.Validate();
            source = AgentCommandLine.ParseMac(mac);
            targetMac = target is null ? null
                : MacAddress.TryNormalize(target, out var canonical) ? canonical
                : throw new FormatException($"--target '{target}' is not a MAC address; write six hex bytes such as --target 02:00:00:00:00:02, or leave it out for the best ECU.");
            gateways = Gateways.Parse(cms);
            tls = TlsCommandOptions.Load(parsed);
        }
        catch (FormatException e)
        {
            await error.WriteLineAsync($"ecu-agent migrate: {e.Message}");
            return 2;
        }

        using (tls)
        {
            var giveUpAt = DateTimeOffset.UtcNow + ConnectPatience;
            var builder = CmsClientHost.Create(gateways, clusterId, clusterId, tls, () => DateTimeOffset.UtcNow < giveUpAt);
            builder.Logging.ClearProviders(); // a one-shot command: it says what went wrong itself
            using var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"ecu-agent migrate: no CMS gateway at {cms} answered for cluster '{clusterId}' within {ConnectPatience.TotalSeconds:0} s; "
                    + "check --cms (the silos' gateway ports), --cluster-id and the TLS options, and that the silos run.");
                return 2;
            }

            try
            {
                var grains = host.Services.GetRequiredService<IClusterClient>();
                var ecu = grains.GetGrain<IEcuSharedGrain>(source);
                var programId = program.Resolve(await ecu.GetAsync());
                if (targetMac is not null)
                {
                    await CheckTargetAsync(grains, source, targetMac);
                }

                var id = await ecu.RequestMigrationAsync(programId, targetMac);
                await output.WriteLineAsync($"migration {id} requested");
                return await FollowAsync(grains.GetGrain<IRestorationGrain>(id), output, error, timeout, cancellationToken);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                // A refusal: what the checks found, or what changed since (the ECU failed, the program stopped).
                await error.WriteLineAsync($"ecu-agent migrate: {e.Message}");
                return 2;
            }
            catch (StorageUnavailableException e)
            {
                await error.WriteLineAsync($"ecu-agent migrate: {e.Message}; GET /api/restorations shows whether the migration started.");
                return 1;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                await error.WriteLineAsync($"ecu-agent migrate: lost the CMS at {cms} while migrating; GET /api/restorations shows whether the migration started.");
                return 1;
            }
        }
    }

    private static async Task CheckTargetAsync(IClusterClient grains, string source, string target)
    {
        if (target == source)
        {
            throw new FormatException($"--target {target} is the ECU the program runs on; name another ECU, or leave --target out for the best one.");
        }

        var status = (await grains.GetGrain<IEcuSharedGrain>(target).GetAsync()).Status;
        if (status != EcuStatus.Alive)
        {
            throw new FormatException(status == EcuStatus.Unknown
                ? $"--target {target}: no such ECU has registered with this CMS; name an alive ECU, or leave --target out for the best one."
                : $"--target {target} is {status}; name an alive ECU, or leave --target out for the best one.");
        }
    }

    private static async Task<int> FollowAsync(IRestorationGrain migration, TextWriter output, TextWriter error, TimeSpan timeout, CancellationToken cancellationToken)
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
                await output.WriteLineAsync($"  {line}");
            }

            printed = events.Count;
            if (view?.FinishedAt is not null && item is not null)
            {
                await output.WriteLineAsync(item.Outcome == RestorationOutcome.Running
                    ? $"done: now {item.TargetMac}/{item.NewProgramId}"
                    : $"not migrated: {item.Outcome} ({item.Detail})");
                return item.Outcome == RestorationOutcome.Running ? 0 : 1;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        await error.WriteLineAsync("ecu-agent migrate: still running after the timeout; see GET /api/restorations.");
        return 1;
    }
}
