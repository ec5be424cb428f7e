namespace OrleansCms.Checkpoints;

/// <summary>
/// The agent side of an offer: the CMS pulls the chunks it lacks from here, at its own pace.
/// Implemented by the ECU-side client and passed as a grain observer.
/// </summary>
[Alias("OrleansCms.IChunkSource")]
public interface IChunkSource : IGrainObserver
{
    /// <summary>Returns the requested chunks of the offered version, in the order asked.</summary>
    [Alias("ReadChunks")]
    Task<IReadOnlyList<ChunkData>> ReadChunksAsync(CheckpointKey key, long version, IReadOnlyList<string> sha256s);
}
