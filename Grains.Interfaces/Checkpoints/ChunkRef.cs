namespace OrleansCms.Checkpoints;

/// <summary>One chunk of a payload: its SHA-256 (lower-case hex) and its length in bytes, uncompressed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.ChunkRef")]
public sealed record ChunkRef([property: Id(0)] string Sha256, [property: Id(1)] int Length);
