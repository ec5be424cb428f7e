namespace OrleansCms.Ecus;

/// <summary>
/// Orders the commands for one logical program. <see cref="Generation"/> counts the restorations along its lineage
/// (one more than the token its source copy was started with); <see cref="Sequence"/> counts the decisions its
/// restoration persisted. Only a claim holder sends commands for a copy, so within a lineage a later decision
/// always carries a greater token. <see cref="None"/> (0.0) is what a command or origin from before tokens carries:
/// it is neither checked nor recorded, so that agents and silos can be upgraded one by one.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.FencingToken")]
public readonly record struct FencingToken([property: Id(0)] long Generation, [property: Id(1)] long Sequence) : IComparable<FencingToken>
{
    /// <summary>No token: sent by a silo or agent from before fencing tokens (a restoration's sequence starts at 1).</summary>
    public static FencingToken None => default;

    public static bool operator <(FencingToken left, FencingToken right) => left.CompareTo(right) < 0;

    public static bool operator >(FencingToken left, FencingToken right) => left.CompareTo(right) > 0;

    public static bool operator <=(FencingToken left, FencingToken right) => left.CompareTo(right) <= 0;

    public static bool operator >=(FencingToken left, FencingToken right) => left.CompareTo(right) >= 0;

    public int CompareTo(FencingToken other) =>
        Generation != other.Generation ? Generation.CompareTo(other.Generation) : Sequence.CompareTo(other.Sequence);

    public override string ToString() => $"{Generation}.{Sequence}";
}
