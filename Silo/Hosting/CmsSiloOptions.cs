using System.ComponentModel.DataAnnotations;
using System.Net;

namespace OrleansCms.Hosting;

/// <summary>Identity and endpoints of one CMS silo (section <c>Cms</c>).</summary>
public sealed class CmsSiloOptions : IValidatableObject
{
    public const string Section = "Cms";

    /// <summary>Silos (and agents) with the same cluster id form one cluster.</summary>
    [Required]
    public string ClusterId { get; set; } = "orleans-cms";

    /// <summary>Stable identity of the service; grain state and reminders are keyed by it.</summary>
    [Required]
    public string ServiceId { get; set; } = "orleans-cms";

    /// <summary>Address other silos and agents use to reach this silo; the HTTP API binds to it.</summary>
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

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(AdvertisedIp, out _))
        {
            yield return new ValidationResult($"{Section}:{nameof(AdvertisedIp)} '{AdvertisedIp}' is not an IP address.", [nameof(AdvertisedIp)]);
        }
    }
}
