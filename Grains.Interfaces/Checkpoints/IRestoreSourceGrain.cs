using Orleans.Concurrency;
using OrleansCms.Security;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Where an agent reads the checkpoint a restore command handed it, usually another ECU's: only with the command's
/// <see cref="ReadGrant"/>, which names the reader, this program and the version.
/// </summary>
[CalledBy(Callers.Ecu, ByGrant = true), Alias("OrleansCms.IRestoreSourceGrain")]
public interface IRestoreSourceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Up to <paramref name="count"/> chunks of the granted version from index <paramref name="first"/> on, in payload
    /// order (fewer at the end). Unknown or pruned versions, released checkpoints and grants for another program throw
    /// <see cref="CheckpointRejectedException"/>.
    /// </summary>
    [Alias("ReadGranted"), AlwaysInterleave]
    Task<IReadOnlyList<ChunkData>> ReadGrantedAsync(ReadGrant grant, int first, int count);
}
