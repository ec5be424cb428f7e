using OrleansCms.Checkpoints;
using OrleansCms.Security;

namespace OrleansCms.Ecus;

/// <summary>
/// Restore <paramref name="Source"/> at the version of <paramref name="Manifest"/> on the receiving ECU; or, when
/// <paramref name="Fresh"/>, start the program of <paramref name="Manifest"/> from its declaration (it never
/// checkpointed, so there is no state to read). <paramref name="Token"/> orders it among the commands for
/// <paramref name="Root"/>: the ECU refuses it once it has taken a newer one (<see cref="RestoreRefusal.Stale"/>).
/// <paramref name="Grant"/> lets the target's agent read the checkpoint (absent for a fresh start).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestoreCommand")]
public sealed record RestoreCommand(
    [property: Id(0)] string CommandId,
    [property: Id(1)] CheckpointKey Source,
    [property: Id(2)] CheckpointManifest Manifest,
    [property: Id(3)] string Root,
    [property: Id(4)] bool Fresh = false,
    [property: Id(5)] FencingToken Token = default,
    [property: Id(6)] ReadGrant? Grant = null);

/// <summary>The program a restore started: its new ECU and program ID.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.RestoreResult")]
public sealed record RestoreResult([property: Id(0)] string Mac, [property: Id(1)] int ProgramId);

/// <summary>Why an agent did not start a restored program.</summary>
public enum RestoreRefusal
{
    /// <summary>The checkpoint's bytes do not match its digest: try an older version.</summary>
    CorruptCheckpoint = 1,

    /// <summary>The ECU cannot take the program (fenced, shutting down, no room).</summary>
    Unavailable = 2,

    /// <summary>The program's process did not start or broke the protocol.</summary>
    StartFailed = 3,

    /// <summary>
    /// The ECU has taken a newer command for the same logical program (a greater fencing token): this one is stale and
    /// must not be sent anywhere else either.
    /// </summary>
    Stale = 4,
}

/// <summary>The agent did not start the program (and registered nothing): the CMS may send it elsewhere.</summary>
[GenerateSerializer, Alias("OrleansCms.RestoreRefusedException")]
public sealed class RestoreRefusedException : Exception
{
    public RestoreRefusedException(RestoreRefusal refusal, string message) : base($"{refusal}: {message}") => Refusal = refusal;

    [Id(0)]
    public RestoreRefusal Refusal { get; }
}
