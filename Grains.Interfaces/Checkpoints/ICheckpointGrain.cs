using Orleans.Concurrency;

namespace OrleansCms.Checkpoints;

/// <summary>
/// The checkpoints of one program, keyed by <see cref="CheckpointKey.ToString"/> (<c>mac/programId</c>).
/// Bad input throws <see cref="CheckpointRejectedException"/> and changes nothing. The methods declared here are the
/// CMS's and operators'; the ECU's own are in <see cref="ICheckpointAgentGrain"/> and <see cref="IRestoreSourceGrain"/>.
/// </summary>
[Alias("OrleansCms.ICheckpointGrain")]
public interface ICheckpointGrain : ICheckpointAgentGrain, IRestoreSourceGrain
{
    /// <summary>The retained versions, newest first; empty if the program has none or they were released.</summary>
    [Alias("GetVersions"), AlwaysInterleave]
    Task<IReadOnlyList<CheckpointManifest>> GetVersionsAsync();

    /// <summary>The chunks of a retained version in payload order, streamed; unknown program or version, or released checkpoints, throw.</summary>
    [Alias("ReadChunks"), AlwaysInterleave]
    IAsyncEnumerable<ChunkData> ReadChunksAsync(long version);

    /// <summary>The retained versions, the claim and where the release of the checkpoints stands.</summary>
    [Alias("GetStatus"), AlwaysInterleave]
    Task<CheckpointStatus> GetStatusAsync();

    /// <summary>
    /// Claims this copy of the program for a restoration or migration: the first claimant wins for good and the
    /// program accepts no further checkpoint. The same claimant asking again gets the same answer (idempotent);
    /// every other claimant learns who holds it. Persisted with optimistic concurrency before it is granted.
    /// The claim outlives the release of the checkpoints; released checkpoints that nobody claimed refuse every claim.
    /// </summary>
    [Alias("Claim")]
    Task<ClaimResult> ClaimAsync(string claimant);

    /// <summary>
    /// Gives up the upload in progress, if any, because its agent is known to be dead: the offer fails and releases
    /// what it reserved at once instead of waiting for the pull timeout, so a claim queued behind it is answered.
    /// </summary>
    [Alias("AbandonUpload"), AlwaysInterleave]
    Task AbandonUploadAsync(string reason);

    /// <summary>
    /// Names the ECU that keeps this program's newest checkpoint warm (null: none): every acknowledged version's new
    /// chunks are sent there, after the acknowledgement. Sent by the program's ECU grain each time it plans.
    /// </summary>
    [Alias("SetStandby"), AlwaysInterleave, OneWay]
    Task SetStandbyAsync(string? mac);
}
