using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Hosting;

/// <summary>Identity and endpoints of one CMS silo (section <c>Cms</c>).</summary>
public sealed class CmsSiloOptions
{
    public const string Section = "Cms";

    /// <summary>Silos (and agents) with the same cluster id form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleans-cms";

    /// <summary>Stable identity of the service; grain state and reminders are keyed by it.</summary>
    [Required]
    public string ServiceId { get; set; } = "orleans-cms";

    /// <summary>Address other silos and agents use to reach this silo.</summary>
    [Required]
    public string AdvertisedIp { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port that agents (Orleans clients) connect to.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Port of the HTTP API and dashboard.</summary>
    [Range(1, 65535)]
    public int HttpPort { get; set; } = 8080;
}
