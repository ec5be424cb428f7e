using System.Globalization;
using OrleansCms.Agent;
using OrleansCms.Fleet;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// One ECU of the soak fleet: a fixed MAC with declared programs, and the agent process of its current life. A
/// killed agent comes back with the same MAC and arguments, as a rebooted ECU would: the CMS, which restored its
/// programs elsewhere meanwhile, fences it; it rejoins empty (declared programs start once in an ECU's life) and
/// takes restored programs later. Its output, every life appended, goes to its log file and to the ledger.
/// </summary>
public sealed class SoakEcu : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _programs;
    private readonly TextWriter _log;
    private readonly AckLedger _ledger;
    private FleetMember? _agent;
    private int _lives;

    public SoakEcu(int number, IReadOnlyList<string> programs, string logFile, AckLedger ledger)
    {
        Number = number;
        Mac = string.Create(CultureInfo.InvariantCulture, $"02:00:00:50:00:{number:x2}");
        _programs = programs;
        _ledger = ledger;
        _log = TextWriter.Synchronized(new StreamWriter(logFile, append: false) { AutoFlush = true });
    }

    public int Number { get; }

    public string Mac { get; }

    /// <summary>The names of its declared programs.</summary>
    public IEnumerable<string> ProgramNames => _programs.Select(p => ProgramSpec.Parse(p).Name);

    /// <summary>Whether its agent process runs (it may not have registered yet).</summary>
    public bool IsUp => _agent?.Process is { HasExited: false };

    public void Start(BenchSilos cms)
    {
        _log.WriteLine($"---- soak: agent life {++_lives} ----");
        _agent = cms.StartAgent(Mac, 1024, _programs, onOutput: line =>
        {
            _log.WriteLine(line);
            _ledger.Observe(line);
        });
    }

    /// <summary>The sample-program processes the agent runs now.</summary>
    public IReadOnlyList<ProcessMark> ProgramProcesses() => _agent is { Process.HasExited: false } agent
        ? [.. agent.ChildPids().Where(ProcReader.IsSampleProgram).Select(ProcessMark.Of).OfType<ProcessMark>()]
        : [];

    /// <summary>SIGKILL of the agent and its programs (the ECU dies); returns the program processes, which must be gone.</summary>
    public async Task<IReadOnlyList<ProcessMark>> KillAsync()
    {
        var programs = ProgramProcesses();
        if (_agent is { } agent)
        {
            await agent.DisposeAsync();
            _agent = null;
        }

        return programs;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        await _log.DisposeAsync();
    }
}
