using Microsoft.Extensions.Options;
using OrleansCms.Hosting;
using OrleansCms.Tests.Ingest;

namespace OrleansCms.Tests.Security;

/// <summary>A silo without TLS says so at start; one with certificates does not.</summary>
public sealed class PlainTransportWarningTests
{
    [Fact]
    public async Task Start_NoCertificates_WarnsThatTransportIsPlain()
    {
        var logger = new ListLogger<PlainTransportWarning>();

        await new PlainTransportWarning(Options.Create(new CmsTlsOptions()), logger).StartAsync(CancellationToken.None);

        Assert.Contains(logger.Messages, m => m.StartsWith("No TLS (Cms:Tls names no certificates)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WithCertificates_Silent()
    {
        var logger = new ListLogger<PlainTransportWarning>();
        var tls = new CmsTlsOptions { CertificatePath = "silo.pem", KeyPath = "silo.key", CaPath = "ca.pem" };

        await new PlainTransportWarning(Options.Create(tls), logger).StartAsync(CancellationToken.None);

        Assert.Empty(logger.Messages);
    }
}
