namespace OrleansCms.Checkpoints;

/// <summary>Why the CMS refused a checkpoint or a request about one.</summary>
public enum RejectReason
{
    MalformedMac = 1,
    InvalidProgramId = 2,
    InvalidManifest = 3,
    TooLarge = 4,
    ChunkTooLarge = 5,
    ChunkHashMismatch = 6,
    DigestMismatch = 7,
    StaleVersion = 8,
    UnknownProgram = 9,
    UnknownVersion = 10,
    SourceUnavailable = 11,
    Retired = 12,
    Released = 13,

    /// <summary>Storing the version would take the ECU's retained checkpoints over its storage quota.</summary>
    QuotaExceeded = 14,

    /// <summary>The manifest lists more chunks than one checkpoint may have.</summary>
    TooManyChunks = 15,

    /// <summary>A read grant for another program or version than the read asks for.</summary>
    NotGranted = 16,
}
