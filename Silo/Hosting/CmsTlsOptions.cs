namespace OrleansCms.Hosting;

/// <summary>
/// Mutual TLS for gateway (agent) and silo-to-silo connections (section <c>Cms:Tls</c>). Off while all three
/// paths are empty; with them, every peer must show a certificate signed by the fleet CA.
/// </summary>
public sealed class CmsTlsOptions
{
    public const string Section = "Cms:Tls";

    /// <summary>This silo's certificate (PEM), signed by the fleet CA.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Its private key (PEM).</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>The fleet CA (PEM) that agents' and other silos' certificates must chain to.</summary>
    public string CaPath { get; set; } = "";

    public bool Enabled => CertificatePath.Length > 0 || KeyPath.Length > 0 || CaPath.Length > 0;
}
