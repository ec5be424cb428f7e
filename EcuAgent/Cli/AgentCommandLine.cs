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
    public static RootCommand Build()
    {
        // New options for every command tree: a built tree holds its options, and tests build several at once.
        var cms = new Option<string>("--cms")
        {
            Description = "CMS gateways, host:port[,host:port...] (the silos' gateway ports).",
            Required = true,
        };
        var clusterId = new Option<string>("--cluster-id")
        {
            Description = "The CMS cluster id (the silos' Cms:ClusterId).",
            DefaultValueFactory = _ => "orleans-cms",
        };
        var mac = new Option<string?>("--mac")
        {
            Description = "This ECU's MAC (default: the host's first non-loopback interface). Agents sharing a host need distinct values.",
        };
        var name = new Option<string?>("--name") { Description = "A readable name for the ECU (default: ecu-<last MAC bytes>)." };
        var ramMb = new Option<long?>("--ram-mb")
        {
            Description = "RAM the ECU offers its programs, MiB (default: the host's; setting it makes the ECU a slice of its host).",
            CustomParser = WholeNumber.Parser<long?>("--ram-mb", 1, 1L << 30, "MiB", n => n),
        };
        var cpuCores = new Option<int?>("--cpu-cores")
        {
            Description = "CPU cores of the ECU (default: the host's).",
            CustomParser = WholeNumber.Parser<int?>("--cpu-cores", 1, 4096, "cores", n => (int)n),
        };
        var programs = new Option<string[]>("--program")
        {
            Description = "A program to run, repeatable: name=NAME,ram-mb=N[,interval-ms=N][,period-ms=N,wcet-ms=N][,latency-critical],cmd=COMMAND ARGS "
                + "('sample' is the bundled sample program, e.g. cmd=sample --state-mb 16 --dirty 0.05).",
            AllowMultipleArgumentsPerToken = false,
        };
        var heartbeatMs = new Option<int>("--heartbeat-ms")
        {
            Description = "Heartbeat interval.",
            DefaultValueFactory = _ => 500,
            CustomParser = WholeNumber.Parser("--heartbeat-ms", 50, 60_000, "milliseconds", n => (int)n),
        };
        var bufferMb = new Option<int>("--buffer-mb")
        {
            Description = "Bound of unacknowledged checkpoints kept while the CMS is away, MiB.",
            DefaultValueFactory = _ => 256,
            CustomParser = WholeNumber.Parser("--buffer-mb", 1, 1 << 20, "MiB", n => (int)n),
        };
        var besideCms = new Option<bool>("--beside-cms") { Description = "This ECU runs on a CMS silo's machine (preferred for latency-critical programs)." };

        var root = new RootCommand("OrleansCms ECU agent: runs programs as child processes, checkpoints them to the CMS, heartbeats, and restores what the CMS asks.")
        {
            cms, mac, name, ramMb, cpuCores, programs, heartbeatMs, bufferMb, besideCms, clusterId, MigrateCommand(cms, mac, clusterId),
        };
        foreach (var tls in TlsCommandOptions.Create())
        {
            root.Add(tls);
        }

        root.SetAction(async (result, cancellationToken) =>
        {
            AgentOptions options;
            FleetCertificates? tls;
            try
            {
                var ecuMac = ParseMac(result.GetValue(mac));
                options = new AgentOptions
                {
                    Mac = ecuMac,
                    Name = result.GetValue(name) switch
                    {
                        null => $"ecu-{ecuMac[^5..].Replace(":", "", StringComparison.Ordinal)}",
                        { } given when string.IsNullOrWhiteSpace(given) => throw new FormatException("--name must not be empty; leave it out for ecu-<last MAC bytes>."),
                        { } given => given,
                    },
                    RamBytes = result.GetValue(ramMb) is { } ram ? ram << 20 : HostIdentity.RamBytes(),
                    CpuCores = result.GetValue(cpuCores) ?? HostIdentity.CpuCores(),
                    SharesHost = result.GetValue(ramMb).HasValue || result.GetValue(cpuCores).HasValue,
                    Gateways = Gateways.Parse(result.GetValue(cms)!),
                    ClusterId = result.GetValue(clusterId)!,
                    ServiceId = result.GetValue(clusterId)!,
                    HeartbeatInterval = TimeSpan.FromMilliseconds(result.GetValue(heartbeatMs)),
                    BesideCmsSilo = result.GetValue(besideCms),
                    Programs = [.. result.GetValue(programs) ?? []],
                };
                for (var i = 0; i < options.Programs.Count; i++)
                {
                    ProgramSpec.Parse(options.Programs[i], position: i + 1);
                }

                options.Validate();
                tls = TlsCommandOptions.Load(result);
            }
            catch (Exception e) when (e is FormatException or System.ComponentModel.DataAnnotations.ValidationException)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"ecu-agent: {e.Message}");
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

    /// <summary>The <c>--mac</c> given, or this host's; a <see cref="FormatException"/> that says which and what to pass.</summary>
    internal static string ParseMac(string? given)
    {
        if (given is null)
        {
            return HostIdentity.FirstMacAddress() is { } own
                ? MacAddress.Normalize(own)
                : throw new FormatException("this host has no network interface with a MAC address; pass --mac aa:bb:cc:dd:ee:ff.");
        }

        return MacAddress.TryNormalize(given, out var mac)
            ? mac
            : throw new FormatException($"--mac '{given}' is not a MAC address; write six hex bytes such as --mac 02:00:00:00:00:01.");
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

    private static Command MigrateCommand(Option<string> cms, Option<string?> mac, Option<string> clusterId)
    {
        var programId = new Option<int?>("--program-id")
        {
            Description = "The program's ID on its ECU (IDs change when the CMS's database is recreated; --program NAME does not).",
            CustomParser = WholeNumber.Parser<int?>("--program-id", 0, int.MaxValue - 1, "", n => (int)n),
        };
        var programName = new Option<string?>("--program") { Description = "The name of the program, one the ECU runs now (instead of --program-id)." };
        var target = new Option<string?>("--target") { Description = "The ECU to move it to (default: the best one by load)." };
        var timeoutS = new Option<int>("--timeout-s")
        {
            Description = "How long to wait for the migration to finish.",
            DefaultValueFactory = _ => 60,
            CustomParser = WholeNumber.Parser("--timeout-s", 1, 86_400, "seconds", n => (int)n),
        };
        var migrate = new Command("migrate", "Ask the CMS to move one of an ECU's programs to another ECU, and follow it until it is done.")
        {
            cms, mac, clusterId, programName, programId, target, timeoutS,
        };
        migrate.SetAction((result, cancellationToken) => MigrationClient.RunAsync(
            result, result.GetValue(cms)!, result.GetValue(clusterId)!, result.GetValue(mac),
            new ProgramChoice(result.GetValue(programId), result.GetValue(programName)), result.GetValue(target),
            TimeSpan.FromSeconds(result.GetValue(timeoutS)), cancellationToken));
        return migrate;
    }
}
