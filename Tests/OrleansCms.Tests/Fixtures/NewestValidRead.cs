using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fixtures;

/// <summary>What <see cref="NewestValidReader"/> read: the version it rebuilt, and the newer ones it skipped because they failed verification.</summary>
public sealed record NewestValidRead(CheckpointManifest Manifest, IReadOnlyList<long> SkippedCorruptVersions)
{
    public bool FellBack => SkippedCorruptVersions.Count > 0;
}
