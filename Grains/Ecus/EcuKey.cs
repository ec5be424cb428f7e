using OrleansCms.Checkpoints;

namespace OrleansCms.Ecus;

/// <summary>An ECU grain is keyed by its canonical MAC; nothing is done, or stored, under any other key.</summary>
public static class EcuKey
{
    /// <summary>The MAC that <paramref name="key"/> names.</summary>
    /// <exception cref="CheckpointRejectedException">With <see cref="RejectReason.MalformedMac"/>: the key is no canonical MAC.</exception>
    public static string Mac(string key) =>
        MacAddress.Normalize(key) == key
            ? key
            : throw new CheckpointRejectedException(RejectReason.MalformedMac, $"grain key '{key}' is not a canonical MAC.");
}
