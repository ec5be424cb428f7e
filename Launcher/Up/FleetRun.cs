using System.Globalization;
using OrleansCms.Fleet;
using OrleansCms.Launcher.Control;
using OrleansCms.Launcher.Status;
using OrleansCms.Security;

namespace OrleansCms.Launcher.Up;

/// <summary>
/// <c>./cms up</c>: starts the silos, waits until they are healthy, starts the agents, then prints a status line
/// every few seconds until Ctrl+C or SIGTERM. A process that dies is reported, not a reason to stop: surviving
/// such deaths is what the CMS is for. The run ends by itself only when no silo is left. Its control socket
/// lets <c>./cms ps</c>, <c>kill</c> and <c>start</c> act on the processes of this run only.
/// </summary>
public sealed class FleetRun : IAsyncDisposable
{
    private readonly FleetLayout _layout;
    private readonly FleetRunOptions _options;
    private readonly TextWriter _output;
    private readonly List<FleetMember> _members;
    private readonly HttpClient _http;
    private readonly TaskCompletionSource<string> _noSiloLeft = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    public FleetRun(FleetLayout layout, ProductPaths paths, FleetRunOptions options, TextWriter output)
    {
        _layout = layout;
        _options = options;
        _output = TextWriter.Synchronized(output);
        // The status line only reads: a reader's token.
        _http = OperatorTokenHandler.Client(layout.Tls, FleetLayout.Operator, timeout: TimeSpan.FromSeconds(3), role: OperatorTokens.Reader);
        var environment = PostgresEnvironment.ForSilos(options.PostgresConnectionString, options.PostgresSchemaConnectionString);
        _members = [.. layout.All.Select(spec => new FleetMember(spec, paths, new LaunchOptions
        {
            Environment = environment,
            Output = MemberOutput.ToFile(Path.Combine(options.LogFolder, $"{spec.Name}.log")),
        }))];
        foreach (var member in _members)
        {
            member.ExitedUnexpectedly += OnExitedUnexpectedly;
        }
    }

    public IReadOnlyList<MemberView> Members => [.. _members.Select(MemberView.Of)];

    /// <summary>Runs the fleet until <paramref name="stop"/> or until no silo is left; 0 after a requested stop.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        Directory.CreateDirectory(_options.RunFolder);
        Directory.CreateDirectory(_options.LogFolder);
        if (PortsInUse() is { } busy)
        {
            Say($"{busy}; set CMS_PORT_OFFSET to move every port of ./cms up, or stop what uses it.");
            return 1;
        }

        ControlServer control;
        try
        {
            control = await ControlServer.StartAsync(_options.ControlSocket, HandleAsync);
        }
        catch (InvalidOperationException e)
        {
            Say(e.Message);
            return 1;
        }

        await using (control)
        {
            try
            {
                return await SuperviseAsync(stop);
            }
            finally
            {
                await StopAllAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync();
        _http.Dispose();
    }

    private async Task<int> SuperviseAsync(CancellationToken stop)
    {
        var silos = _members.Where(m => m.Spec.Kind == MemberKind.Silo).ToList();
        Say($"starting {silos.Count} silos (logs in {_options.LogFolder})...");
        silos.ForEach(s => s.Start());
        WriteProcessTable();
        var started = await Task.WhenAll(silos.Select(s => WaitHealthyAsync(s, stop)));
        if (stop.IsCancellationRequested)
        {
            return 0;
        }

        if (started.Contains(false))
        {
            return 1;
        }

        foreach (var agent in _members.Where(m => m.Spec.Kind == MemberKind.Agent))
        {
            agent.Start();
        }

        WriteProcessTable();
        WriteOperatorToken();
        PrintBanner();
        while (!stop.IsCancellationRequested && !_noSiloLeft.Task.IsCompleted)
        {
            var snapshot = await FleetSnapshot.ReadAsync(_http, HttpPortsOfLiveSilos(), stop);
            if (!stop.IsCancellationRequested && !_noSiloLeft.Task.IsCompleted)
            {
                _output.WriteLine(StatusLine.Compose(DateTimeOffset.Now, snapshot, Members));
            }

            await Task.WhenAny(Task.Delay(_options.StatusInterval, stop), _noSiloLeft.Task);
        }

        if (_noSiloLeft.Task.IsCompleted && !stop.IsCancellationRequested)
        {
            Say($"no silo is left ({await _noSiloLeft.Task}): nothing of the CMS runs any more, so the agents are stopped too.");
            return 1;
        }

        return 0;
    }

    private async Task<ControlReply> HandleAsync(IReadOnlyList<string> words)
    {
        var verb = words.Count > 0 ? words[0] : "";
        if (verb == "ps")
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var snapshot = await FleetSnapshot.ReadAsync(_http, HttpPortsOfLiveSilos(), timeout.Token);
            return ControlReply.Done(ProcessTable.Format(Members, snapshot?.ProgramsByMac()));
        }

        if (verb is not ("kill" or "start" or "where" or "revoke") || words.Count != 2)
        {
            return ControlReply.Refused("the launcher takes: ps, kill NAME, start NAME, where NAME, revoke NAME.");
        }

        if (_members.FirstOrDefault(m => string.Equals(m.Spec.Name, words[1], StringComparison.OrdinalIgnoreCase)) is not { } member)
        {
            return ControlReply.Refused($"this run has no process called '{words[1]}'; its processes are {string.Join(", ", _members.Select(m => m.Spec.Name))}.");
        }

        return verb switch
        {
            "kill" => Kill(member),
            "start" => StartAgain(member),
            "revoke" => await FleetRevocation.RevokeAsync(member.Spec, _layout, HttpPortsOfLiveSilos()),
            _ => member.Spec.Mac is { } mac
                ? ControlReply.Done($"{mac} {_layout.GatewayList} {(_layout.Tls is null ? "plain" : "tls")}")
                : ControlReply.Refused($"{member.Spec.Name} is a silo; name an ECU (ecu-1, ecu-2, ...)."),
        };
    }

    private ControlReply Kill(FleetMember member)
    {
        var pid = member.ProcessId;
        if (!member.Kill("./cms kill", withChildren: false))
        {
            return ControlReply.Refused($"{member.Spec.Name} does not run ({Describe(member)}); ./cms start {member.Spec.Name} starts it again.");
        }

        return ControlReply.Done(member.Spec.Kind == MemberKind.Agent
            ? $"{member.Spec.Name} (pid {pid}) killed with SIGKILL; the CMS declares ECU {member.Spec.Mac} failed when its lease lapses and restores its programs elsewhere. ./cms start {member.Spec.Name} brings it back."
            : $"{member.Spec.Name} (pid {pid}) killed with SIGKILL; the other silos carry on. ./cms start {member.Spec.Name} brings it back.");
    }

    private ControlReply StartAgain(FleetMember member)
    {
        if (_stopping)
        {
            return ControlReply.Refused("the fleet is stopping.");
        }

        if (member.IsAlive)
        {
            return ControlReply.Refused($"{member.Spec.Name} already runs (pid {member.ProcessId}).");
        }

        member.Start();
        WriteProcessTable();
        Say($"{member.Spec.Name} started again (pid {member.ProcessId}).");
        if (member.Spec.Kind == MemberKind.Agent)
        {
            return ControlReply.Done($"{member.Spec.Name} started (pid {member.ProcessId}) as ECU {member.Spec.Mac}. If the CMS declared it failed meanwhile, it rejoins fenced: its old programs run elsewhere now, and it starts with none of them.");
        }

        _ = WaitHealthyAsync(member, CancellationToken.None);
        return ControlReply.Done($"{member.Spec.Name} starting (pid {member.ProcessId}); it rejoins the cluster once healthy (./cms ps shows when).");
    }

    private async Task<bool> WaitHealthyAsync(FleetMember silo, CancellationToken stop)
    {
        switch (await SiloHealth.WaitAsync(silo, _http, _options.StartTimeout, stop))
        {
            case HealthWait.Healthy:
                WriteProcessTable();
                return true;
            case HealthWait.TimedOut:
                Say($"{silo.Spec.Name} did not become healthy within {_options.StartTimeout.TotalSeconds:0} s; its log: {silo.LogFile}");
                return false;
            default:
                return false; // its exit is reported as it happens
        }
    }

    private void OnExitedUnexpectedly(FleetMember member)
    {
        WriteProcessTable();
        if (_stopping)
        {
            return;
        }

        var siloLeft = _members.Any(m => m.Spec.Kind == MemberKind.Silo && m.IsAlive);
        var what = member.Spec.Kind == MemberKind.Agent
            ? $"ECU {member.Spec.Mac}'s agent is gone; the CMS restores its programs once its lease lapses"
            : siloLeft ? "the other silos carry on" : "it was the last silo";
        Say($"{member.Spec.Name} (pid {member.ProcessId}) {member.ExitReason}: {what}.{Tail(member)}");
        if (!siloLeft)
        {
            _noSiloLeft.TrySetResult(string.Join(", ", _members.Where(m => m.Spec.Kind == MemberKind.Silo).Select(m => $"{m.Spec.Name} {m.ExitReason}")));
        }
    }

    private async Task StopAllAsync()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        if (_members.Any(m => m.IsAlive))
        {
            Say("stopping every process of this run...");
            await Task.WhenAll(_members.Select(m => m.StopAsync(_options.StopGrace)));
            Say("stopped.");
        }

        File.Delete(Path.Combine(_options.RunFolder, "processes.txt"));
    }

    private string? PortsInUse() =>
        _layout.Silos.Select(s => s.Ports!.InUse() is { } busy ? $"port {busy.Port.ToString(CultureInfo.InvariantCulture)} ({s.Name}'s {busy.What}) is in use" : null)
            .FirstOrDefault(busy => busy is not null);

    private string OperatorTokenFile => Path.Combine(_options.Home, "operator.token");

    /// <summary>An operator's API token for the user of this run, readable by its owner only.</summary>
    private void WriteOperatorToken()
    {
        if (_layout.Tls is not { } tls)
        {
            return;
        }

        // Emptied and closed to its owner before the token goes in, as the keys beside it.
        File.WriteAllText(OperatorTokenFile, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(OperatorTokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(OperatorTokenFile, tls.Token(FleetLayout.Operator, OperatorTokens.Operator, TimeSpan.FromHours(24)));
    }

    private void PrintBanner()
    {
        var first = _layout.Silos[0].Ports!.Http;
        _output.WriteLine();
        _output.WriteLine("OrleansCms is up.");
        foreach (var silo in _layout.Silos)
        {
            _output.WriteLine($"  {silo.Name}: {silo.Endpoints}  http://127.0.0.1:{silo.Ports!.Http}/");
        }

        _output.WriteLine($"  dashboard: http://127.0.0.1:{first}/  (every silo serves it; API under /api, metrics at /metrics)");
        foreach (var agent in _layout.Agents)
        {
            _output.WriteLine($"  {agent.Name}: ECU {agent.Mac}");
        }

        _output.WriteLine($"  logs: {_options.LogFolder}/NAME.log");
        if (_layout.Tls is not null)
        {
            // The token itself stays in a file only its owner reads, out of terminal scroll-back and logs.
            _output.WriteLine($"  API token ({FleetLayout.Operator}, operator role, 24 h): {OperatorTokenFile}; ./cms token prints another");
            _output.WriteLine($"    curl -H \"Authorization: Bearer $(cat {OperatorTokenFile})\" http://127.0.0.1:{first}/api/ecus");
            _output.WriteLine("    the dashboard asks for it once per browser tab");
        }

        _output.WriteLine("Try: ./cms ps · ./cms kill ecu-2 · ./cms start ecu-2 · ./cms kill silo-1 · ./cms migrate ecu-1 logger");
        _output.WriteLine("Press Ctrl+C to stop everything.");
    }

    private IEnumerable<int> HttpPortsOfLiveSilos() =>
        _members.Where(m => m.Spec.Kind == MemberKind.Silo && m.State == MemberState.Running).Select(m => m.Spec.Ports!.Http);

    private void WriteProcessTable()
    {
        try
        {
            File.WriteAllText(Path.Combine(_options.RunFolder, "processes.txt"), ProcessTable.Format(Members));
        }
        catch (IOException)
        {
            // Only a copy for a look; ./cms ps asks the launcher itself.
        }
    }

    private static string Describe(FleetMember member) => member.State == MemberState.Exited ? member.ExitReason ?? "exited" : "stopped";

    // A silo or agent that exited on its own usually said why in its last lines; a SIGKILL says nothing.
    private static string Tail(FleetMember member)
    {
        if (member.ExitReason?.StartsWith("killed", StringComparison.Ordinal) == true || member.LogFile is not { } log)
        {
            return "";
        }

        try
        {
            var lines = File.ReadLines(log).TakeLast(5).Select(l => $"{Environment.NewLine}  | {l}");
            return $" Its last lines ({log}):{string.Concat(lines)}";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private void Say(string text) => _output.WriteLine($"cms {DateTimeOffset.Now:HH:mm:ss}: {text}");
}
