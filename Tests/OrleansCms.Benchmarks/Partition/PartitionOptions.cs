using System.Globalization;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>The options of <c>./cms bench partition [--minutes N] [--quick]</c>.</summary>
public sealed record PartitionOptions(double Minutes)
{
    public const string Usage = "./cms bench partition [--minutes N (default 5)] [--quick (1 minute)]";

    public static PartitionOptions Parse(string[] args)
    {
        var minutes = args.Contains("--quick") ? 1.0 : 5.0;
        var at = Array.IndexOf(args, "--minutes");
        if (at >= 0)
        {
            minutes = at + 1 < args.Length && double.TryParse(args[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new FormatException("--minutes needs a positive number");
        }

        return new PartitionOptions(minutes);
    }
}
