using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansCms.Agent;
using OrleansCms.Checkpoints;
using OrleansCms.Machine;
using OrleansCms.Ingest;
using OrleansCms.Programs;
using OrleansCms.Security;

namespace OrleansCms.Cli;

/// <summary>The agent's command line: run an ECU agent (the default), or ask the CMS to migrate a program.</summary>
public static class AgentCommandLine
{
    private static readonly Option<string> Cms = new("--cms")
    {
        Description = "CMS gateways, host:port[,host:port...] (the silos' gateway ports).",
        Required = true,
    };

    private static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "The CMS cluster id (the silos' Cms:ClusterId).",
        DefaultValueFactory = _ => "orleans-cms",
    };

    private static readonly Option<string?> Mac = new("--mac")
    {
        Description = "This ECU's MAC (default: the host's first non-loopback interface). Agents sharing a host need distinct values.",
    };

    public static RootCommand Build()
    {
        var name = new Option<string?>("--name") { Description = "A readable name for the ECU (default: ecu-<last MAC bytes>)." };
        var ramMb = new Option<long?>("--ram-mb") { Description = "RAM the ECU offers its programs, MiB (default: the host's; setting it makes the ECU a slice of its host)." };
        var cpuCores = new Option<int?>("--cpu-cores") { Description = "CPU cores of the ECU (default: the host's)." };
        var programs = new Option<string[]>("--program")
        {
            Description = "A program to run, repeatable: name=NAME,ram-mb=N[,interval-ms=N][,period-ms=N,wcet-ms=N][,latency-critical],cmd=COMMAND ARGS "
                + "('sample' is the bundled sample program, e.g. cmd=sample --state-mb 16 --dirty 0.05).",
            AllowMultipleArgumentsPerToken = false,
        };
        var heartbeatMs = new Option<int>("--heartbeat-ms") { Description = "Heartbeat interval.", DefaultValueFactory = _ => 500 };
        var bufferMb = new Option<int>("--buffer-mb") { Description = "Bound of unacknowledged checkpoints kept while the CMS is away, MiB.", DefaultValueFactory = _ => 256 };
        var besideCms = new Option<bool>("--beside-cms") { Description = "This ECU runs on a CMS silo's machine (preferred for latency-critical programs)." };

        var root = new RootCommand("OrleansCms ECU agent: runs programs as child processes, checkpoints them to the CMS, heartbeats, and restores what the CMS asks.")
        {
            Cms, Mac, name, ramMb, cpuCores, programs, heartbeatMs, bufferMb, besideCms, ClusterId,
            TlsCommandOptions.Certificate, TlsCommandOptions.Key, TlsCommandOptions.Ca, MigrateCommand(),
        };
        root.SetAction(async (result, cancellationToken) =>
        {
            AgentOptions options;
            FleetCertificates? tls;
            try
            {
                var mac = MacAddress.Normalize(result.GetValue(Mac) ?? HostIdentity.FirstMacAddress()
                    ?? throw new FormatException("this host has no network interface with a MAC; pass --mac."));
                options = new AgentOptions
                {
                    Mac = mac,
                    Name = result.GetValue(name) ?? $"ecu-{mac[^5..].Replace(":", "", StringComparison.Ordinal)}",
                    RamBytes = (result.GetValue(ramMb) ?? 0) << 20 is var ram and > 0 ? ram : HostIdentity.RamBytes(),
                    CpuCores = result.GetValue(cpuCores) ?? HostIdentity.CpuCores(),
                    SharesHost = result.GetValue(ramMb).HasValue || result.GetValue(cpuCores).HasValue,
                    Gateways = Gateways.Parse(result.GetValue(Cms)!),
                    ClusterId = result.GetValue(ClusterId)!,
                    ServiceId = result.GetValue(ClusterId)!,
                    HeartbeatInterval = TimeSpan.FromMilliseconds(result.GetValue(heartbeatMs)),
                    BesideCmsSilo = result.GetValue(besideCms),
                    Programs = [.. result.GetValue(programs) ?? []],
                };
                options.Programs.ForEach(p => ProgramSpec.Parse(p));
                options.Validate();
                tls = TlsCommandOptions.Load(result);
            }
            catch (Exception e) when (e is FormatException or CheckpointRejectedException or System.ComponentModel.DataAnnotations.ValidationException)
            {
                await Console.Error.WriteLineAsync($"ecu-agent: {e.Message}");
                return 2;
            }

            var ingest = new IngestClientOptions { BufferBytes = (long)result.GetValue(bufferMb) << 20 };
            using (tls)
            {
                return await RunAgentAsync(options, ingest, tls, cancellationToken);
            }
        });
        return root;
    }

    private static async Task<int> RunAgentAsync(AgentOptions options, IngestClientOptions ingest, FleetCertificates? tls, CancellationToken cancellationToken)
    {
        var builder = CmsClientHost.Create(options.Gateways, options.ClusterId, options.ServiceId, tls, keepTrying: () => !cancellationToken.IsCancellationRequested);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(Options.Create(ingest));
        builder.Services.AddSingleton(Options.Create(new ProgramProtocolOptions()));
        builder.Services.AddHostedService<EcuAgentService>();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }

    private static Command MigrateCommand()
    {
        var programId = new Option<int>("--program-id") { Description = "The program's ID on its ECU.", Required = true };
        var target = new Option<string?>("--target") { Description = "The ECU to move it to (default: the best one by load)." };
        var timeoutS = new Option<int>("--timeout-s") { Description = "How long to wait for the migration to finish.", DefaultValueFactory = _ => 60 };
        var migrate = new Command("migrate", "Ask the CMS to move one of an ECU's programs to another ECU, and follow it until it is done.")
        {
            Cms, Mac, ClusterId, programId, target, timeoutS,
        };
        migrate.SetAction((result, cancellationToken) => MigrationRequest.RunAsync(
            result, result.GetValue(Cms)!, result.GetValue(ClusterId)!, result.GetValue(Mac), result.GetValue(programId), result.GetValue(target),
            TimeSpan.FromSeconds(result.GetValue(timeoutS)), cancellationToken));
        return migrate;
    }
}
