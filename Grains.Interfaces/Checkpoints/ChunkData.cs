namespace OrleansCms.Checkpoints;

/// <summary>One chunk's bytes, encoded with <see cref="Codec"/>; <see cref="Length"/> is the decoded length.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ChunkData")]
public sealed record ChunkData(
    [property: Id(0)] string Sha256,
    [property: Id(1)] int Length,
    [property: Id(2)] ChunkCodec Codec,
    [property: Id(3)] byte[] Data);
