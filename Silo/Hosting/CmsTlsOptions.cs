using System.ComponentModel.DataAnnotations;
using OrleansCms.Security;

namespace OrleansCms.Hosting;

/// <summary>
/// Mutual TLS for gateway (agent) and silo-to-silo connections (section <c>Cms:Tls</c>). Off while all three
/// paths are empty; with them, every peer must show a certificate signed by the fleet CA.
/// </summary>
public sealed class CmsTlsOptions : IValidatableObject
{
    public const string Section = "Cms:Tls";

    /// <summary>This silo's certificate (PEM), signed by the fleet CA.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Its private key (PEM).</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>The fleet CA (PEM) that agents' and other silos' certificates must chain to.</summary>
    public string CaPath { get; set; } = "";

    public bool Enabled => CertificatePath.Length > 0 || KeyPath.Length > 0 || CaPath.Length > 0;

    /// <summary>Loads the three files (an <see cref="InvalidOperationException"/> names one that is missing or unfit).</summary>
    public FleetCertificates LoadCertificates() => FleetCertificates.Load(CertificatePath, KeyPath, CaPath);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (CertificatePath.Length == 0 || KeyPath.Length == 0 || CaPath.Length == 0)
        {
            yield return new ValidationResult($"{Section} needs CertificatePath, KeyPath and CaPath together (or none of them for no TLS).");
            yield break;
        }

        // Checked at start-up, so that a bad file stops the silo with its name rather than failing its first connection.
        string? unfit = null;
        try
        {
            LoadCertificates().Dispose();
        }
        catch (InvalidOperationException e)
        {
            unfit = e.Message;
        }

        if (unfit is not null)
        {
            yield return new ValidationResult(unfit);
        }
    }
}
