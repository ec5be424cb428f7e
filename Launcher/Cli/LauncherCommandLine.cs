using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using OrleansCms.Fleet;
using OrleansCms.Launcher.Control;
using OrleansCms.Launcher.Up;

namespace OrleansCms.Launcher.Cli;

/// <summary>The launcher's commands: <c>up</c> runs a fleet; <c>ps</c>, <c>kill</c>, <c>start</c> and <c>migrate</c> act on the one that runs.</summary>
public static class LauncherCommandLine
{
    private static readonly Option<string> Home = new("--home")
    {
        Description = "The run's folder (default: $CMS_HOME, else .cms in the repository).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CMS_HOME") is { Length: > 0 } home
            ? home
            : Path.Combine(ProductPaths.Checkout.Root, ".cms"),
    };

    public static RootCommand Build() =>
        new("OrleansCms launcher: runs a fleet of CMS silos and ECU agents, and acts on the running one.")
        {
            UpCommand(), PsCommand(), Acting("kill", "SIGKILL one process of the running fleet (silo-N or ecu-N), as a crash or power loss."),
            Acting("start", "Start a killed or exited process of the running fleet again."),
            Acting("revoke", "Revoke an ECU's certificate (ecu-N): the CMS refuses it at once and handles the ECU as failed; a new certificate is issued for its next start."),
            MigrateCommand(), CertsCommand.Build(),
            TokenCommand.Build(Home),
        };

    private static Command UpCommand()
    {
        var portOffset = new Option<int>("--port-offset")
        {
            Description = "Added to every port (silo ports 11111-11112, gateways 30000-30001, HTTP 8080-8081).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("CMS_PORT_OFFSET"), out var offset) ? offset : 0,
        };
        var statusSeconds = new Option<double>("--status-s") { Description = "Seconds between status lines.", DefaultValueFactory = _ => 5 };
        var stopPostgres = new Option<bool>("--stop-postgres") { Description = "Stop the embedded PostgreSQL (./cms pg stop) at the end." };
        var plain = new Option<bool>("--plain")
        {
            Description = "No TLS: any client that reaches a gateway may connect. For trials only; by default every connection is mutual TLS.",
        };
        var up = new Command("up", "Run two silos and three ECU agents until Ctrl+C or SIGTERM (PostgreSQL: $CMS_POSTGRES, schema owner: $CMS_POSTGRES_SCHEMA).")
        {
            Home, portOffset, statusSeconds, stopPostgres, plain,
        };
        up.SetAction(async (result, _) =>
        {
            if (Environment.GetEnvironmentVariable("CMS_POSTGRES") is not { Length: > 0 } postgres)
            {
                await Console.Error.WriteLineAsync("cms: CMS_POSTGRES is not set: give the silos a PostgreSQL connection string (./cms up sets it).");
                return 2;
            }

            var offset = result.GetValue(portOffset);
            if (offset is < 0 or > 2000)
            {
                await Console.Error.WriteLineAsync($"cms: the port offset must be between 0 and 2000, not {offset}.");
                return 2;
            }

            using var stop = new CancellationTokenSource();
            Signals.Unignore(Signals.Interrupt);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            var options = new FleetRunOptions
            {
                Home = Path.GetFullPath(result.GetValue(Home)!),
                PostgresConnectionString = postgres,
                PostgresSchemaConnectionString = Environment.GetEnvironmentVariable(PostgresEnvironment.SchemaOwner) is { Length: > 0 } owner ? owner : null,
                StatusInterval = TimeSpan.FromSeconds(Math.Max(0.5, result.GetValue(statusSeconds))),
            };
            var tls = result.GetValue(plain) ? null : CertificatesOf(options.Home);
            var layout = FleetLayout.Default(offset, tls);
            if (tls is null)
            {
                await Console.Error.WriteLineAsync("cms: WARNING --plain: silos and agents connect without TLS, unauthenticated; use it for trials only.");
            }
            else
            {
                try
                {
                    tls.Ensure([.. layout.Identities, FleetLayout.Operator]);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    await Console.Error.WriteLineAsync($"cms: could not make the fleet's TLS certificates in {tls.Folder}: {e.Message} (./cms up --plain runs without TLS)");
                    return 2;
                }
            }

            int code;
            await using (var run = new FleetRun(layout, ProductPaths.Checkout, options, Console.Out))
            {
                code = await run.RunAsync(stop.Token);
            }

            if (result.GetValue(stopPostgres))
            {
                await RunAsync("/bin/bash", Path.Combine(ProductPaths.Checkout.Root, "cms"), "pg", "stop");
            }

            return code;
        });
        return up;
    }

    private static Command PsCommand()
    {
        var ps = new Command("ps", "List the processes of the running fleet: name, pid, state, endpoints, log.") { Home };
        ps.SetAction((result, _) => SendAsync(result, "ps"));
        return ps;
    }

    private static Command Acting(string verb, string description)
    {
        var name = new Argument<string>("NAME") { Description = "silo-1, silo-2, ecu-1, ecu-2 or ecu-3" };
        var command = new Command(verb, description) { Home, name };
        command.SetAction((result, _) => SendAsync(result, $"{verb} {result.GetValue(name)}"));
        return command;
    }

    private static Command MigrateCommand()
    {
        var ecu = new Argument<string>("ECU") { Description = "The ECU the program runs on (ecu-1, ecu-2, ecu-3)." };
        var program = new Argument<string>("PROGRAM") { Description = "The program's name, e.g. logger." };
        var target = new Option<string?>("--to") { Description = "The ECU to move it to (default: the best one by load)." };
        var migrate = new Command("migrate", "Ask the CMS to move a program of an ECU of the running fleet, and follow it until done.")
        {
            Home, ecu, program, target,
        };
        migrate.SetAction(async (result, _) =>
        {
            var socket = SocketOf(result);
            var source = await ControlClient.SendAsync(socket, $"where {result.GetValue(ecu)}");
            if (!source.Ok)
            {
                await Console.Error.WriteLineAsync($"cms: {source.Text}");
                return 1;
            }

            // "MAC GATEWAYS tls|plain": over TLS the command speaks as the fleet's operator (it follows the migration too).
            var words = source.Text.Split(' ');
            var (mac, gateways) = (words[0], words[1]);
            var args = new List<string> { ProductPaths.Checkout.AgentDll, "migrate", "--cms", gateways, "--mac", mac, "--program", result.GetValue(program)! };
            if (words.ElementAtOrDefault(2) == "tls")
            {
                args.AddRange(CertificatesOf(Path.GetFullPath(result.GetValue(Home)!)).AgentOptions(FleetLayout.Operator));
            }

            if (result.GetValue(target) is { } to)
            {
                var destination = await ControlClient.SendAsync(socket, $"where {to}");
                if (!destination.Ok)
                {
                    await Console.Error.WriteLineAsync($"cms: {destination.Text}");
                    return 1;
                }

                args.AddRange(["--target", destination.Text.Split(' ')[0]]);
            }

            return await RunAsync("dotnet", [.. args]);
        });
        return migrate;
    }

    private static async Task<int> SendAsync(ParseResult result, string command)
    {
        var reply = await ControlClient.SendAsync(SocketOf(result), command);
        await (reply.Ok ? Console.Out : Console.Error).WriteLineAsync(reply.Ok ? reply.Text.TrimEnd() : $"cms: {reply.Text}");
        return reply.Ok ? 0 : 1;
    }

    private static string SocketOf(ParseResult result) =>
        new FleetRunOptions { Home = Path.GetFullPath(result.GetValue(Home)!), PostgresConnectionString = "" }.ControlSocket;

    /// <summary>Where <c>up</c> keeps the fleet CA and the members' certificates.</summary>
    private static FleetTlsFiles CertificatesOf(string home) => new(Path.Combine(home, "certs"));

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
