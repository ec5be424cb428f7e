using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// Reads back the newest retained version of a program that verifies, for checks of what the CMS holds (the tests
/// and the soak benchmark). The agent's restore reads the one version its restore command names, with
/// <see cref="CheckpointReader.TryReadVersionAsync"/>; the restoration falls back to older versions itself.
/// </summary>
public static class NewestValidReader
{
    /// <summary>
    /// Writes the newest payload that verifies into <paramref name="destination"/> (seekable; rewound and
    /// truncated before each attempt). Throws <see cref="CheckpointRejectedException"/> when no version verifies.
    /// </summary>
    public static async Task<NewestValidRead> ReadAsync(ICheckpointGrain grain, Stream destination, CancellationToken cancellationToken = default)
    {
        var versions = await grain.GetVersionsAsync();
        if (versions.Count == 0)
        {
            throw new CheckpointRejectedException(RejectReason.UnknownProgram, "the program has no stored checkpoint.");
        }

        var skipped = new List<long>();
        foreach (var manifest in versions)
        {
            destination.SetLength(0);
            destination.Position = 0;
            if (await CheckpointReader.TryReadVersionAsync(grain, manifest, destination, cancellationToken))
            {
                destination.Position = 0;
                return new NewestValidRead(manifest, skipped);
            }

            skipped.Add(manifest.Version);
        }

        throw new CheckpointRejectedException(RejectReason.DigestMismatch, $"none of the retained versions ({string.Join(", ", skipped)}) verifies.");
    }
}
