using System.Globalization;

namespace OrleansCms.Checkpoints;

/// <summary>ECU MAC addresses in their one canonical form, lower case <c>aa:bb:cc:dd:ee:ff</c>.</summary>
public static class MacAddress
{
    /// <summary>
    /// Accepts <c>AA:BB:CC:DD:EE:FF</c>, <c>aa-bb-cc-dd-ee-ff</c> or <c>aabbccddeeff</c> and returns the canonical
    /// form; anything else is a <see cref="CheckpointRejectedException"/> with reason <see cref="RejectReason.MalformedMac"/>.
    /// </summary>
    public static string Normalize(string? mac)
    {
        if (TryNormalize(mac, out var normalized))
        {
            return normalized;
        }

        throw new CheckpointRejectedException(RejectReason.MalformedMac, $"'{mac}' is not a MAC address (expected aa:bb:cc:dd:ee:ff).");
    }

    public static bool TryNormalize(string? mac, out string normalized)
    {
        normalized = "";
        if (mac is null)
        {
            return false;
        }

        var hex = mac.Trim();
        if (hex.Length == 17)
        {
            var separator = hex[2];
            if (separator is not (':' or '-'))
            {
                return false;
            }

            for (var i = 2; i < 17; i += 3)
            {
                if (hex[i] != separator)
                {
                    return false;
                }
            }

            hex = hex.Replace(separator.ToString(), "", StringComparison.Ordinal);
        }

        if (hex.Length != 12 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        hex = hex.ToLowerInvariant();
        normalized = string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2)));
        return true;
    }
}
