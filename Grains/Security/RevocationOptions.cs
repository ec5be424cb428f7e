using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Security;

/// <summary>How each silo follows the revoked certificates (section <c>Cms:Revocation</c>).</summary>
public sealed class RevocationOptions
{
    public const string Section = "Cms:Revocation";

    /// <summary>
    /// How often a silo reads the revoked certificates from PostgreSQL. The silo that records a revocation applies it
    /// at once; every other silo within this interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
