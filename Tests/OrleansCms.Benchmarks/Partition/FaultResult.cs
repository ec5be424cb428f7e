namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// One fault: its kind and length (a cut's, a silo's time down, or until an agent's programs were restored), how long
/// the cut-off agent's programs stayed frozen (first frozen sample to thawed or killed; null when none froze), whether
/// the CMS declared that ECU failed though the fault should not have it, and the acknowledged versions found lost.
/// </summary>
public sealed record FaultResult(FaultKind Kind, double Ms, double? FrozenMs, bool FalseFailure, IReadOnlyList<string> Lost);
