namespace OrleansCms.Benchmarks.Partition;

/// <summary>How long a cut lasts against the agent's fence deadline F (1 s) and the lease L (2 s).</summary>
public enum CutKind
{
    /// <summary>400 ms: the fence deadline is not reached, nothing should freeze.</summary>
    Short,

    /// <summary>1.2 s: past F but within L (with TCP's retransmission after the heal); freeze, thaw, no restore.</summary>
    Medium,

    /// <summary>Until the CMS restored the programs elsewhere; the healed agent is fenced and kills its copies.</summary>
    Long,
}
