using OrleansCms.Checkpoints;

namespace OrleansCms.Security;

/// <summary>
/// The CMS's permission for the ECU <see cref="Reader"/> to read version <see cref="Version"/> of the checkpoint
/// <see cref="Source"/> until <see cref="ExpiresAt"/>: handed over in a restore command, since restoring a failed
/// ECU's program means reading another ECU's checkpoint. <see cref="Seal"/> is the CMS's MAC over the rest, which
/// only silos can make.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ReadGrant")]
public sealed record ReadGrant(
    [property: Id(0)] string Reader,
    [property: Id(1)] CheckpointKey Source,
    [property: Id(2)] long Version,
    [property: Id(3)] DateTimeOffset ExpiresAt,
    [property: Id(4)] byte[] Seal)
{
    /// <summary>The bytes the seal covers.</summary>
    public string SealedText() => $"read-grant\n{Reader}\n{Source}\n{Version}\n{ExpiresAt.ToUnixTimeMilliseconds()}";
}
