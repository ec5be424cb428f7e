using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansCms.Tests.Fixtures;

/// <summary>What agents saw acknowledged, read from their output: the uploader logs "Checkpoint {key} v{version} acknowledged: …" only after the CMS answered that the version is durable.</summary>
public static partial class AgentAcknowledgements
{
    /// <summary>Per program key (<c>mac/programId</c>), the newest version the agents logged as acknowledged.</summary>
    public static Dictionary<string, long> Newest(params IEnumerable<AgentProcess> agents) =>
        agents.SelectMany(a => a.Output).Select(line => AckLine().Match(line)).Where(m => m.Success)
            .GroupBy(m => m.Groups["key"].Value)
            .ToDictionary(g => g.Key, g => g.Max(m => long.Parse(m.Groups["version"].ValueSpan, CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"Checkpoint (?<key>\S+) v(?<version>\d+) acknowledged:")]
    private static partial Regex AckLine();
}
