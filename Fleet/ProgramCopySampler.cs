using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansCms.Fleet;

/// <summary>
/// Watches, every 50 ms, the sample-program processes under the given agents and tells them apart by the
/// <c>--seed</c> of their command line (a restored copy keeps its program's command): for each logical program,
/// how many copies were running unfrozen at once, and when each process was first seen and first seen frozen.
/// </summary>
public sealed class ProgramCopySampler : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    private readonly Func<IEnumerable<int>> _agentPids;
    private readonly Func<IEnumerable<int>> _programPids;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, int> _maxUnfrozen = new();
    private readonly ConcurrentDictionary<int, Copy> _copies = new();
    private readonly ConcurrentQueue<FrozenSpan> _frozenSpans = new();
    private readonly ConcurrentQueue<Violation> _violations = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _sampling;
    private int _samples;

    private ProgramCopySampler(Func<IEnumerable<int>> agentPids, Func<IEnumerable<int>> programPids)
    {
        _agentPids = agentPids;
        _programPids = programPids;
        _sampling = Task.Run(SampleAsync);
    }

    /// <summary>One process of a program: which program, when it was first seen, and first seen stopped.</summary>
    public sealed record Copy(int Pid, string Program, TimeSpan FirstSeen)
    {
        public TimeSpan? FirstFrozen { get; set; }

        public TimeSpan LastSeen { get; set; }

        /// <summary>When the current stretch of being stopped began; null while it runs.</summary>
        public TimeSpan? FrozenSince { get; set; }
    }

    /// <summary>A stretch a copy stayed stopped: from the first sample that saw it stopped to the first that saw it running again or gone.</summary>
    public sealed record FrozenSpan(int Pid, string Program, TimeSpan From, TimeSpan To, bool Killed);

    /// <summary>A sample that saw more than one unfrozen copy of <see cref="Program"/>: their pids, states and parents' pids.</summary>
    public sealed record Violation(TimeSpan At, string Program, IReadOnlyList<(int Pid, char State, int? Parent)> Copies)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Program} at {At.TotalMilliseconds:0} ms: {string.Join(", ", Copies.Select(c => $"pid {c.Pid} ({c.State}, parent {c.Parent})"))}");
    }

    /// <summary>A sample program declaration the sampler can tell apart from the others by its seed.</summary>
    public static string SeededProgram(string name, int seed, double stateMb = 0.25, string isolation = "freeze") =>
        $"name={name},ram-mb=16,interval-ms=300,isolation={isolation},cmd=sample --state-mb {stateMb.ToString(CultureInfo.InvariantCulture)} --dirty 0.05 --tick-ms 1 --seed {seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Starts sampling the descendants of the agents whose pids <paramref name="agentPids"/> names at each sample, and
    /// the processes <paramref name="programPids"/> names (programs whose agent was killed, which must not outlive it).
    /// </summary>
    public static ProgramCopySampler Start(Func<IEnumerable<int>> agentPids, Func<IEnumerable<int>>? programPids = null) =>
        new(agentPids, programPids ?? (() => []));

    public int Samples => Volatile.Read(ref _samples);

    /// <summary>The sampler's clock, on which <see cref="Copy"/> and <see cref="FrozenSpan"/> times are measured.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Every ended stretch of a copy being stopped, in the order they ended.</summary>
    public IReadOnlyList<FrozenSpan> FrozenSpans => [.. _frozenSpans];

    /// <summary>The most copies of any one program seen running unfrozen in one sample.</summary>
    public int MaxUnfrozenCopies => _maxUnfrozen.Values.DefaultIfEmpty(0).Max();

    public IReadOnlyDictionary<string, int> MaxUnfrozenByProgram => _maxUnfrozen;

    /// <summary>The samples that saw two unfrozen copies of one program (the first 100), in the order they were taken.</summary>
    public IReadOnlyList<Violation> Violations => [.. _violations];

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
        var unfrozen = new Dictionary<string, List<(int Pid, char State, int? Parent)>>();
        var table = ProcTable.Read();
        var seen = new HashSet<int>();
        foreach (var pid in _agentPids().SelectMany(table.Descendants).Concat(_programPids()).Distinct())
        {
            if (table.State(pid) is not { } state || state is 'Z' or 'X' || ProgramOf(pid) is not { } program)
            {
                continue;
            }

            var copy = _copies.GetOrAdd(pid, _ => new Copy(pid, program, now));
            copy.LastSeen = now;
            seen.Add(pid);
            if (state == 'T')
            {
                copy.FirstFrozen ??= now;
                copy.FrozenSince ??= now;
            }
            else
            {
                (unfrozen.TryGetValue(program, out var running) ? running : unfrozen[program] = []).Add((pid, state, table.Parent(pid)));
                EndFrozen(copy, now, killed: false);
            }
        }

        foreach (var copy in _copies.Values.Where(c => c.FrozenSince is not null && !seen.Contains(c.Pid)))
        {
            EndFrozen(copy, now, killed: true);
        }

        foreach (var (program, copies) in unfrozen)
        {
            _maxUnfrozen.AddOrUpdate(program, copies.Count, (_, seen) => Math.Max(seen, copies.Count));
            if (copies.Count > 1 && _violations.Count < 100)
            {
                _violations.Enqueue(new Violation(now, program, copies));
            }
        }

        Interlocked.Increment(ref _samples);
    }

    private void EndFrozen(Copy copy, TimeSpan now, bool killed)
    {
        if (copy.FrozenSince is { } since)
        {
            _frozenSpans.Enqueue(new FrozenSpan(copy.Pid, copy.Program, since, now, killed));
            copy.FrozenSince = null;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Copies.Select(c =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Program}: pid {c.Pid} seen {c.FirstSeen.TotalMilliseconds:0}–{c.LastSeen.TotalMilliseconds:0} ms, frozen from {c.FirstFrozen?.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) ?? "never"}"))
        .Concat(Violations.Select(v => $"two unfrozen: {v}")));
}
