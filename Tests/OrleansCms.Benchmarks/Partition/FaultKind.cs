namespace OrleansCms.Benchmarks.Partition;

/// <summary>The faults the partition benchmark injects, against the agent's fence deadline F (1 s) and the lease L (2 s).</summary>
public enum FaultKind
{
    /// <summary>A 400 ms cut: the fence deadline is not reached, nothing should freeze.</summary>
    Short,

    /// <summary>A 1.2 s cut: past F but within L; the programs may freeze, then thaw; nothing is restored.</summary>
    Medium,

    /// <summary>A cut until the CMS restored the programs elsewhere; the healed agent is fenced and kills its copies.</summary>
    Long,

    /// <summary>A silo SIGKILLed for 3-8 s while the agents run on: nothing is restored.</summary>
    SiloKill,

    /// <summary>The cut-off agent's process SIGKILLed alone: its programs must die with it, and are restored on the target.</summary>
    AgentKill,
}
