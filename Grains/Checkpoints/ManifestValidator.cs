using OrleansCms.Storage;

namespace OrleansCms.Checkpoints;

/// <summary>
/// Checks an offered manifest before anything is stored; every failure is a clear rejection. Its size is bounded
/// twice: the declared total by <see cref="IngestOptions.MaxPayloadBytes"/> (checked first, so an absurd total such as
/// <see cref="long.MaxValue"/> costs nothing more) and the chunk list by <see cref="IngestOptions.MaxChunksPerManifest"/>
/// (checked before it is walked); the chunks must then add up to the declared total exactly.
/// </summary>
public static class ManifestValidator
{
    public static void Validate(CheckpointManifest? manifest, IngestOptions limits)
    {
        if (manifest is null)
        {
            throw Reject(RejectReason.InvalidManifest, "the manifest is missing.");
        }

        if (manifest.Version <= 0)
        {
            throw Reject(RejectReason.InvalidManifest, $"version {manifest.Version} is not positive.");
        }

        if (manifest.TotalSize < 0)
        {
            throw Reject(RejectReason.InvalidManifest, $"total size {manifest.TotalSize} is negative.");
        }

        if (manifest.TotalSize > limits.MaxPayloadBytes)
        {
            throw Reject(RejectReason.TooLarge, $"total size {manifest.TotalSize} exceeds the limit of {limits.MaxPayloadBytes} bytes.");
        }

        if (!IsSha256Hex(manifest.Sha256))
        {
            throw Reject(RejectReason.InvalidManifest, "the payload digest is not a lower-case hex SHA-256.");
        }

        ValidateProgram(manifest.Program);
        ValidateChunks(manifest, limits);
        ValidateDigest(manifest);
    }

    /// <summary>
    /// A chunk-list digest is checked here, from the manifest alone; a payload digest only once every byte has been
    /// seen (<see cref="CheckpointGrain"/>).
    /// </summary>
    private static void ValidateDigest(CheckpointManifest manifest)
    {
        switch (manifest.Digest)
        {
            case ManifestDigest.Payload:
                return;
            case ManifestDigest.ChunkList when ChunkListDigest.Of(manifest.Chunks) is var actual && actual != manifest.Sha256:
                throw Reject(RejectReason.DigestMismatch, $"the chunk list's SHA-256 is {actual}, the manifest says {manifest.Sha256}.");
            case ManifestDigest.ChunkList:
                return;
            default:
                throw Reject(RejectReason.InvalidManifest, $"the digest kind {(int)manifest.Digest} is unknown.");
        }
    }

    private static void ValidateProgram(ProgramInfo? program)
    {
        if (program is null || string.IsNullOrWhiteSpace(program.Name))
        {
            throw Reject(RejectReason.InvalidManifest, "the program has no name.");
        }

        if (program.RamBytes < 0)
        {
            throw Reject(RejectReason.InvalidManifest, $"program RAM {program.RamBytes} is negative.");
        }

        if (RealTimeDemand.Problem(program) is { } problem)
        {
            throw Reject(RejectReason.InvalidManifest, $"the program {problem}.");
        }
    }

    private static void ValidateChunks(CheckpointManifest manifest, IngestOptions limits)
    {
        if (manifest.Chunks.IsDefault)
        {
            throw Reject(RejectReason.InvalidManifest, "the chunk list is missing.");
        }

        if (manifest.Chunks.Length > limits.MaxChunksPerManifest)
        {
            throw Reject(RejectReason.TooManyChunks, $"the manifest lists {manifest.Chunks.Length} chunks, over the limit of {limits.MaxChunksPerManifest}.");
        }

        long total = 0;
        for (var i = 0; i < manifest.Chunks.Length; i++)
        {
            var chunk = manifest.Chunks[i];
            if (chunk is null || !IsSha256Hex(chunk.Sha256))
            {
                throw Reject(RejectReason.InvalidManifest, $"chunk {i} has no valid SHA-256.");
            }

            if (chunk.Length <= 0)
            {
                throw Reject(RejectReason.InvalidManifest, $"chunk {i} has length {chunk.Length}.");
            }

            if (chunk.Length > limits.MaxChunkBytes)
            {
                throw Reject(RejectReason.ChunkTooLarge, $"chunk {i} is {chunk.Length} bytes, over the limit of {limits.MaxChunkBytes}.");
            }

            total += chunk.Length;
        }

        if (total != manifest.TotalSize)
        {
            throw Reject(RejectReason.InvalidManifest, $"the chunks add up to {total} bytes, not the declared {manifest.TotalSize}.");
        }
    }

    private static bool IsSha256Hex(string? value) =>
        value is { Length: 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private static CheckpointRejectedException Reject(RejectReason reason, string message) => new(reason, message);
}
