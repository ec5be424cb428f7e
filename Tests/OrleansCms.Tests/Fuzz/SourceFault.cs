namespace OrleansCms.Tests.Fuzz;

/// <summary>How a fuzzed agent answers the CMS's pulls.</summary>
public enum SourceFault
{
    /// <summary>Sends the chunks it has, as they are (and leaves out any it does not have).</summary>
    None,

    /// <summary>Sends other bytes under the first chunk's hash.</summary>
    WrongContent,

    /// <summary>Gives the first chunk a decoded length one more than its bytes.</summary>
    WrongLength,

    /// <summary>Labels the first chunk with a codec that does not exist.</summary>
    UnknownCodec,

    /// <summary>Sends the first chunk without bytes.</summary>
    NullData,

    /// <summary>Sends random bytes labelled LZ4 for the first chunk.</summary>
    Lz4Garbage,

    /// <summary>Leaves the first requested chunk out.</summary>
    OmitChunk,

    /// <summary>Answers an empty list.</summary>
    EmptyAnswer,

    /// <summary>Answers null.</summary>
    NullAnswer,

    /// <summary>Answers null in place of the first chunk.</summary>
    NullChunk,

    /// <summary>Swaps the bytes of the first two chunks (the first chunk's bytes reversed when only one was asked for).</summary>
    SwappedData,

    /// <summary>Throws, as an agent whose buffer broke would.</summary>
    Throws,

    /// <summary>Answers every request with random bytes under the requested hashes (for random manifests).</summary>
    RandomBytes,
}
