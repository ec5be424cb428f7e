namespace OrleansCms.Benchmarks.Partition;

/// <summary>
/// One cut: its kind and length, how long its programs stayed frozen (first frozen sample to thawed or killed; null
/// when none froze), whether the CMS declared the ECU failed, and the acknowledged versions found lost.
/// </summary>
public sealed record CutResult(CutKind Kind, double CutMs, double? FrozenMs, bool DeclaredFailed, IReadOnlyList<string> Lost);
