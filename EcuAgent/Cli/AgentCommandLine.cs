using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansCms.Agent;
using OrleansCms.Checkpoints;
using OrleansCms.Machine;
using OrleansCms.Ingest;
using OrleansCms.Security;

namespace OrleansCms.Cli;

/// <summary>The agent's command line: run an ECU agent (the default), or ask the CMS to migrate a program.</summary>
public static class AgentCommandLine
{
    private const string CmsFlag = "--cms";
    private const string ClusterIdFlag = "--cluster-id";
    private const string MacFlag = "--mac";
    private const string NameFlag = "--name";
    private const string RamMbFlag = "--ram-mb";
    private const string CpuCoresFlag = "--cpu-cores";
    private const string ProgramFlag = "--program";
    private const string HeartbeatMsFlag = "--heartbeat-ms";
    private const string BufferMbFlag = "--buffer-mb";
    private const string BesideCmsFlag = "--beside-cms";

    public static RootCommand Build()
    {
        // New options for every command tree: a built tree holds its options, and tests build several at once.
        var cms = new Option<string>(CmsFlag)
        {
            Description = "CMS gateways, host:port[,host:port...] (the silos' gateway ports).",
            Required = true,
        };
        var clusterId = new Option<string>(ClusterIdFlag)
        {
            Description = "The CMS cluster id (the silos' Cms:ClusterId).",
            DefaultValueFactory = _ => "orleans-cms",
        };
        var mac = new Option<string?>(MacFlag)
        {
            Description = "This ECU's MAC (default: the host's first non-loopback interface). Agents sharing a host need distinct values.",
        };
        var name = new Option<string?>(NameFlag) { Description = "A readable name for the ECU (default: ecu-<last MAC bytes>)." };
        var ramMb = new Option<long?>(RamMbFlag)
        {
            Description = "RAM the ECU offers its programs, MiB (default: the host's; setting it makes the ECU a slice of its host).",
            CustomParser = WholeNumber.Parser<long?>(RamMbFlag, 1, 1L << 30, "MiB", n => n),
        };
        var cpuCores = new Option<int?>(CpuCoresFlag)
        {
            Description = "CPU cores of the ECU (default: the host's).",
            CustomParser = WholeNumber.Parser<int?>(CpuCoresFlag, 1, 4096, "cores", n => (int)n),
        };
        var programs = new Option<string[]>(ProgramFlag)
        {
            Description = "A program to run, repeatable: name=NAME,ram-mb=N[,interval-ms=N][,period-ms=N,wcet-ms=N][,latency-critical],cmd=COMMAND ARGS "
                + "('sample' is the bundled sample program, e.g. cmd=sample --state-mb 16 --dirty 0.05).",
            AllowMultipleArgumentsPerToken = false,
        };
        var heartbeatMs = new Option<int>(HeartbeatMsFlag)
        {
            Description = "Heartbeat interval.",
            DefaultValueFactory = _ => 500,
            CustomParser = WholeNumber.Parser(HeartbeatMsFlag, 50, 60_000, "milliseconds", n => (int)n),
        };
        var bufferMb = new Option<int>(BufferMbFlag)
        {
            Description = "Bound of unacknowledged checkpoints kept while the CMS is away, MiB.",
            DefaultValueFactory = _ => 256,
            CustomParser = WholeNumber.Parser(BufferMbFlag, 1, 1 << 20, "MiB", n => (int)n),
        };
        var besideCms = new Option<bool>(BesideCmsFlag) { Description = "This ECU runs on a CMS silo's machine (preferred for latency-critical programs)." };

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
            var error = result.InvocationConfiguration.Error;
            Dictionary<string, string?> settings;
            FleetCertificates? tls;
            try
            {
                settings = Settings(result);
                tls = TlsCommandOptions.Load(result);
                TlsCommandOptions.RequireEcu(tls, settings.GetValueOrDefault("Agent:Mac"));
            }
            catch (FormatException e)
            {
                await error.WriteLineAsync($"ecu-agent: {e.Message}");
                return 2;
            }

            using (tls)
            {
                using var host = AgentHost.Create(settings, tls, keepTrying: () => !cancellationToken.IsCancellationRequested).Build();
                try
                {
                    // Every option now, so that a bad setting is one line here rather than the host's failure log.
                    host.Services.GetRequiredService<IStartupValidator>().Validate();
                }
                catch (Exception e) when (AgentStartupFailure.TryDescribe(e, out var message))
                {
                    await error.WriteLineAsync($"ecu-agent: {message}");
                    return 2;
                }

                await host.RunAsync(cancellationToken);
                return 0;
            }
        });
        return root;
    }

    /// <summary>
    /// The configuration keys that the flags given set (<c>--mac</c> sets <c>Agent:Mac</c>, <c>--buffer-mb</c> sets
    /// <c>Agent:Ingest:BufferBytes</c>, ...), each value checked first with an error that names its flag (a
    /// <see cref="FormatException"/>). A flag left out leaves its key to configuration, or to the option's default.
    /// </summary>
    public static Dictionary<string, string?> Settings(ParseResult result)
    {
        var settings = new Dictionary<string, string?>();
        void Set(string key, string value) => settings[$"{AgentOptions.Section}:{key}"] = value;

        if (result.GetValue<string?>(MacFlag) is { } mac)
        {
            Set(nameof(AgentOptions.Mac), ParseMac(mac));
        }

        if (result.GetValue<string?>(NameFlag) is { } name)
        {
            Set(nameof(AgentOptions.Name), string.IsNullOrWhiteSpace(name)
                ? throw new FormatException($"{NameFlag} must not be empty; leave it out for ecu-<last MAC bytes>.")
                : name);
        }

        if (result.GetValue<long?>(RamMbFlag) is { } ramMb)
        {
            Set(nameof(AgentOptions.RamBytes), Invariant(ramMb << 20));
        }

        if (result.GetValue<int?>(CpuCoresFlag) is { } cores)
        {
            Set(nameof(AgentOptions.CpuCores), Invariant(cores));
        }

        Set(nameof(AgentOptions.Gateways), string.Join(',', Gateways.Parse(result.GetValue<string>(CmsFlag)!)));
        if (Given(result, ClusterIdFlag))
        {
            var clusterId = result.GetValue<string>(ClusterIdFlag)!;
            Set(nameof(AgentOptions.ClusterId), clusterId);
            Set(nameof(AgentOptions.ServiceId), clusterId);
        }

        if (Given(result, HeartbeatMsFlag))
        {
            Set(nameof(AgentOptions.HeartbeatInterval), TimeSpan.FromMilliseconds(result.GetValue<int>(HeartbeatMsFlag)).ToString("c", CultureInfo.InvariantCulture));
        }

        if (Given(result, BesideCmsFlag))
        {
            Set(nameof(AgentOptions.BesideCmsSilo), result.GetValue<bool>(BesideCmsFlag) ? "true" : "false");
        }

        var programs = result.GetValue<string[]>(ProgramFlag) ?? [];
        for (var i = 0; i < programs.Length; i++)
        {
            ProgramSpec.Parse(programs[i], position: i + 1);
            Set($"{nameof(AgentOptions.Programs)}:{Invariant(i)}", programs[i]);
        }

        if (Given(result, BufferMbFlag))
        {
            settings[$"{IngestClientOptions.Section}:{nameof(IngestClientOptions.BufferBytes)}"] = Invariant((long)result.GetValue<int>(BufferMbFlag) << 20);
        }

        return settings;
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

    /// <summary>True when the flag was on the command line (not just its default).</summary>
    private static bool Given(ParseResult result, string flag) => result.GetResult(flag) is OptionResult { Implicit: false };

    private static string Invariant(long number) => number.ToString(CultureInfo.InvariantCulture);

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
