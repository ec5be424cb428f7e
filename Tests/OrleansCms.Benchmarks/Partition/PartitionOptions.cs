using System.Globalization;

namespace OrleansCms.Benchmarks.Partition;

/// <summary>The options of <c>./cms bench partition [--minutes N] [--quick] [--seed N]</c>.</summary>
public sealed record PartitionOptions(double Minutes, int Seed)
{
    public const string Usage = "./cms bench partition [--minutes N (default 15)] [--quick (1 minute)] [--seed N (the faults' order; default random)]";

    public static PartitionOptions Parse(string[] args)
    {
        var seed = Random.Shared.Next();
        var seedAt = Array.IndexOf(args, "--seed");
        if (seedAt >= 0)
        {
            seed = seedAt + 1 < args.Length && int.TryParse(args[seedAt + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var given)
                ? given
                : throw new FormatException("--seed needs a whole number");
        }

        var minutes = args.Contains("--quick") ? 1.0 : 15.0;
        var at = Array.IndexOf(args, "--minutes");
        if (at >= 0)
        {
            minutes = at + 1 < args.Length && double.TryParse(args[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new FormatException("--minutes needs a positive number");
        }

        return new PartitionOptions(minutes, seed);
    }
}
