using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace OrleansCms.Checkpoints;

/// <summary>
/// The real-time admission rule, kept in this one place for ingest, the catalogue and placement. A program declares
/// a period and a WCET together or neither; both are positive and the WCET is at most the period. Its utilization
/// (WCET / period) is admitted on an ECU while the ECU's declared utilization plus its own stays within the bound
/// (EDF on one core).
/// </summary>
public sealed class RealTimeDemand
{
    // Sums of doubles such as 0.3 + 0.3 + 0.4 may land a hair above 1.0; that must still count as within the bound.
    private const double BoundTolerance = 1e-9;

    private RealTimeDemand(TimeSpan period, TimeSpan wcet)
    {
        Period = period;
        Wcet = wcet;
    }

    /// <summary>The declared period, positive.</summary>
    public TimeSpan Period { get; }

    /// <summary>The declared worst-case execution time, positive and at most <see cref="Period"/>.</summary>
    public TimeSpan Wcet { get; }

    /// <summary>WCET / period, in (0, 1].</summary>
    public double Utilization => Wcet / Period;

    /// <summary>
    /// Reads the program's declaration: true with <paramref name="demand"/> null when it declares no timing, true with
    /// a demand when the timing is consistent, false with the <paramref name="problem"/> (e.g. "declares a period but
    /// no WCET") otherwise.
    /// </summary>
    public static bool TryRead(ProgramInfo program, out RealTimeDemand? demand, [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(program);
        demand = null;
        problem = (program.Period, program.Wcet) switch
        {
            (null, null) => null,
            (null, _) => "declares a WCET but no period",
            (_, null) => "declares a period but no WCET",
            ({ } period, _) when period <= TimeSpan.Zero => $"declares a non-positive period ({Duration(period)})",
            (_, { } wcet) when wcet <= TimeSpan.Zero => $"declares a non-positive WCET ({Duration(wcet)})",
            ({ } period, { } wcet) when wcet > period => $"declares a WCET ({Duration(wcet)}) longer than its period ({Duration(period)})",
            _ => null,
        };
        if (problem is null && program is { Period: { } p, Wcet: { } w })
        {
            demand = new RealTimeDemand(p, w);
        }

        return problem is null;
    }

    /// <summary>What is wrong with the program's timing, or null when it declares none or a consistent one.</summary>
    public static string? Problem(ProgramInfo program) => TryRead(program, out _, out var problem) ? null : problem;

    /// <summary>The program's utilization, or 0 when it declares no timing or an inconsistent one.</summary>
    public static double UtilizationOf(ProgramInfo program) =>
        TryRead(program, out var demand, out _) && demand is not null ? demand.Utilization : 0;

    /// <summary>Whether an ECU already carrying <paramref name="declaredUtilization"/> may take this program too.</summary>
    public bool FitsWithin(double declaredUtilization, double bound) => declaredUtilization + Utilization <= bound + BoundTolerance;

    private static string Duration(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.###} ms");
}
