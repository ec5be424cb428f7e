namespace OrleansCms.Benchmarks.Soak;

/// <summary>The soak's running figures: written by the run's loop, read by its progress line and its report.</summary>
public sealed class SoakTally
{
    public int Faults { get; set; }

    public int AgentKills { get; set; }

    public int SiloKills { get; set; }

    /// <summary>Quiet checks done (one at the start, one after each fault, one at the end).</summary>
    public int QuietChecks { get; set; }

    /// <summary>Quiet checks at which the fleet had not settled within the settle time.</summary>
    public int Unsettled { get; set; }

    /// <summary>Seconds each settled quiet check waited for the fleet to settle.</summary>
    public List<double> SettleSeconds { get; } = [];

    /// <summary>Extra running copies found at unsettled quiet checks (a settled fleet has none by definition).</summary>
    public int Duplicates { get; set; }

    /// <summary>Logical programs with an acknowledged checkpoint and no running copy at unsettled quiet checks.</summary>
    public int Missing { get; set; }

    /// <summary>Acknowledged versions found lost, as "key vN" (each counted once, however often it is found).</summary>
    public HashSet<string> Lost { get; } = [];

    /// <summary>Restored copies whose own checkpoint did not continue from the counter they were restored from.</summary>
    public int CounterBreaks { get; set; }

    /// <summary>Restored copies whose counters were checked.</summary>
    public HashSet<string> CountersChecked { get; } = [];

    /// <summary>How often the CMS declared one of the fleet's ECUs failed (the sum of their failure epochs), at the last check.</summary>
    public int EcuFailures { get; set; }

    /// <summary>Restorations finished and programs they restored, as the restoration log lists them.</summary>
    public int Restorations { get; set; }

    public int ProgramsRestored { get; set; }

    /// <summary>Things the run could not do (a silo that did not come back, an agent that did not rejoin, a check that failed).</summary>
    public int Problems { get; set; }

    /// <summary>Whether the end's loss check read every kept version back.</summary>
    public bool FinalReadBack { get; set; }

    /// <summary>Acknowledged checkpoints (distinct program copy and version) the end's loss check covered, and their program copies.</summary>
    public int AckedChecked { get; set; }

    public int CopiesChecked { get; set; }
}
