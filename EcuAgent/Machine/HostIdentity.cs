using System.Net.NetworkInformation;

namespace OrleansCms.Machine;

/// <summary>Defaults for an agent that is the whole host: its MAC, cores and RAM.</summary>
internal static class HostIdentity
{
    /// <summary>The MAC of the first non-loopback interface that has one, in name order; null when none has.</summary>
    public static string? FirstMacAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.GetPhysicalAddress().GetAddressBytes())
            .Where(bytes => bytes.Length == 6 && bytes.Any(b => b != 0))
            .Select(bytes => string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))))
            .FirstOrDefault();

    public static int CpuCores() => Environment.ProcessorCount;

    public static long RamBytes() => HostMemory.Read().TotalBytes;
}
