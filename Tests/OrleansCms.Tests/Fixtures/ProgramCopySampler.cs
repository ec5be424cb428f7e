using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrleansCms.Checkpoints;
using OrleansCms.Programs;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Watches, every 50 ms, the sample-program processes under the given agents and tells them apart by the
/// <c>--seed</c> of their command line (a restored copy keeps its program's command): for each logical program,
/// how many copies were running unfrozen at once, and when each process was first seen and first seen frozen.
/// </summary>
public sealed class ProgramCopySampler : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    private readonly Func<IEnumerable<int>> _agentPids;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _maxUnfrozen = new();
    private readonly ConcurrentDictionary<int, Copy> _copies = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _sampling;
    private int _samples;

    private ProgramCopySampler(Func<IEnumerable<int>> agentPids)
    {
        _agentPids = agentPids;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>One process of a program: which program, when it was first seen, and first seen stopped.</summary>
    public sealed record Copy(int Pid, string Program, TimeSpan FirstSeen)
    {
        public TimeSpan? FirstFrozen { get; set; }

        public TimeSpan LastSeen { get; set; }
    }

    /// <summary>A sample program declaration the sampler can tell apart from the others by its seed.</summary>
    public static string SeededProgram(string name, int seed, double stateMb = 0.25, IsolationPolicy isolation = IsolationPolicy.Freeze) =>
        $"name={name},ram-mb=16,interval-ms=300,isolation={isolation.ToString().ToLowerInvariant()},cmd=sample --state-mb {stateMb.ToString(CultureInfo.InvariantCulture)} --dirty 0.05 --tick-ms 1 --seed {seed.ToString(CultureInfo.InvariantCulture)}";

    public static ProgramCopySampler Start(params AgentProcess[] agents) =>
        new(() => agents.Where(a => !a.HasExited).Select(a => a.Process.Id));

    public int Samples => Volatile.Read(ref _samples);

    /// <summary>The most copies of any one program seen running unfrozen in one sample.</summary>
    public int MaxUnfrozenCopies => _maxUnfrozen.Values.DefaultIfEmpty(0).Max();

    public IReadOnlyDictionary<string, int> MaxUnfrozenByProgram => _maxUnfrozen;

    public IReadOnlyList<Copy> Copies => [.. _copies.Values.OrderBy(c => c.FirstSeen)];

    public IReadOnlyList<Copy> CopiesOf(string program) => [.. Copies.Where(c => c.Program == program)];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    /// <summary>The program a command line runs, named by its seed; null for anything else.</summary>
    public static string? ProgramOf(int pid)
    {
        string[] args;
        try
        {
            args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        }
        catch (IOException)
        {
            return null;
        }

        var seed = Array.IndexOf(args, "--seed");
        return seed >= 0 && seed + 1 < args.Length && args.Any(a => a.Contains("SampleProgram", StringComparison.Ordinal))
            ? $"seed {args[seed + 1]}"
            : null;
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            do
            {
                SampleOnce();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SampleOnce()
    {
        var now = _clock.Elapsed;
        var unfrozen = new Dictionary<string, int>();
        foreach (var pid in _agentPids().SelectMany(ProcessTree.Descendants))
        {
            if (ProcessTree.State(pid) is not { } state || state is 'Z' or 'X' || ProgramOf(pid) is not { } program)
            {
                continue;
            }

            var copy = _copies.GetOrAdd(pid, _ => new Copy(pid, program, now));
            copy.LastSeen = now;
            if (state == 'T')
            {
                copy.FirstFrozen ??= now;
            }
            else
            {
                unfrozen[program] = unfrozen.GetValueOrDefault(program) + 1;
            }
        }

        foreach (var (program, count) in unfrozen)
        {
            _maxUnfrozen.AddOrUpdate(program, count, (_, seen) => Math.Max(seen, count));
        }

        Interlocked.Increment(ref _samples);
    }

    public override string ToString() => string.Join(Environment.NewLine, Copies.Select(c =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Program}: pid {c.Pid} seen {c.FirstSeen.TotalMilliseconds:0}–{c.LastSeen.TotalMilliseconds:0} ms, frozen from {c.FirstFrozen?.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) ?? "never"}")));
}
