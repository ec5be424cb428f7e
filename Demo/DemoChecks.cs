namespace OrleansCms.Demo;

/// <summary>The demo's invariant checks and figures, printed as one table at the end.</summary>
public sealed class DemoChecks
{
    private readonly List<(string Check, bool Passed, string Detail)> _rows = [];

    public bool AllPassed => _rows.All(r => r.Passed);

    public void Record(string check, bool passed, string detail)
    {
        _rows.Add((check, passed, detail));
        Console.WriteLine($"   {(passed ? "ok  " : "FAIL")} {check}: {detail}");
    }

    public void PrintSummary(TimeSpan elapsed)
    {
        var width = _rows.Max(r => r.Check.Length);
        Console.WriteLine();
        Console.WriteLine($"{"check".PadRight(width)}  result  detail");
        Console.WriteLine($"{new string('-', width)}  ------  ------");
        foreach (var (check, passed, detail) in _rows)
        {
            Console.WriteLine($"{check.PadRight(width)}  {(passed ? "ok" : "FAILED"),-6}  {detail}");
        }

        Console.WriteLine();
        Console.WriteLine(AllPassed
            ? $"Every invariant held ({_rows.Count} checks, {elapsed.TotalSeconds:0} s)."
            : $"{_rows.Count(r => !r.Passed)} of {_rows.Count} checks FAILED ({elapsed.TotalSeconds:0} s).");
    }
}
