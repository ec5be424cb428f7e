namespace OrleansCms.Tests.Fuzz;

/// <summary>Counts the outcomes of a fuzz run, to show (and check) that its cases reached the paths they aim at.</summary>
public sealed class Tally
{
    private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>How many different outcomes were seen.</summary>
    public int Distinct
    {
        get
        {
            lock (_counts)
            {
                return _counts.Count;
            }
        }
    }

    public void Add(object outcome)
    {
        lock (_counts)
        {
            var key = outcome.ToString() ?? "";
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
        }
    }

    public override string ToString()
    {
        lock (_counts)
        {
            return string.Join(", ", _counts.Select(c => $"{c.Key}: {c.Value}"));
        }
    }
}
