using System.Globalization;

namespace OrleansCms.Checkpoints;

/// <summary>Identity of a protected program: the ECU it runs on and the ID its RTCR gave it (unique on that ECU).</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.CheckpointKey")]
public sealed record CheckpointKey
{
    public CheckpointKey(string mac, int programId)
    {
        if (programId < 0)
        {
            throw new CheckpointRejectedException(RejectReason.InvalidProgramId, $"program id {programId} is negative.");
        }

        Mac = MacAddress.Normalize(mac);
        ProgramId = programId;
    }

    /// <summary>The ECU's MAC, canonical lower case.</summary>
    [Id(0)]
    public string Mac { get; }

    /// <summary>The program's ID on that ECU.</summary>
    [Id(1)]
    public int ProgramId { get; }

    /// <summary>The grain key, e.g. <c>aa:bb:cc:dd:ee:ff/7</c>.</summary>
    public override string ToString() => $"{Mac}/{ProgramId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses a grain key made by <see cref="ToString"/>.</summary>
    public static CheckpointKey Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new CheckpointRejectedException(RejectReason.InvalidProgramId, $"'{key}' is not MAC/programId.");
        }

        return new CheckpointKey(key[..slash], id);
    }
}
