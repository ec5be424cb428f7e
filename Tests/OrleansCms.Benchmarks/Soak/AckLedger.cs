using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// Every checkpoint an agent saw acknowledged, read from the agents' output: the uploader logs
/// "Checkpoint {mac/programId} v{version} acknowledged: …" only once the CMS answered that the version is durably
/// stored. A re-offer acknowledged again counts once. Thread-safe (agents' output arrives on pool threads).
/// </summary>
public sealed partial class AckLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<long>> _versions = [];
    private int _count;

    /// <summary>Distinct (program key, version) pairs acknowledged so far.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Records the acknowledgement in <paramref name="line"/>, if it is one.</summary>
    public void Observe(string line)
    {
        if (AckLine().Match(line) is not { Success: true } match)
        {
            return;
        }

        var version = long.Parse(match.Groups["version"].ValueSpan, CultureInfo.InvariantCulture);
        lock (_lock)
        {
            if (!_versions.TryGetValue(match.Groups["key"].Value, out var versions))
            {
                _versions[match.Groups["key"].Value] = versions = [];
            }

            if (versions.Add(version))
            {
                _count++;
            }
        }
    }

    /// <summary>A copy: per program key (<c>mac/programId</c>), the versions acknowledged.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Snapshot()
    {
        lock (_lock)
        {
            return _versions.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)[.. p.Value]);
        }
    }

    [GeneratedRegex(@"Checkpoint (?<key>\S+) v(?<version>\d+) acknowledged:")]
    private static partial Regex AckLine();
}
