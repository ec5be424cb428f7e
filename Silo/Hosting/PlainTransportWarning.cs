using Microsoft.Extensions.Options;

namespace OrleansCms.Hosting;

/// <summary>
/// Says at start, as a warning, that this silo runs without TLS: any client that reaches a gateway can then
/// connect, so plain transport is for trials only (docs/configuration.md, <c>Cms:Tls</c>).
/// </summary>
public sealed partial class PlainTransportWarning(IOptions<CmsTlsOptions> tls, ILogger<PlainTransportWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!tls.Value.Enabled)
        {
            PlainTransport(logger, CmsTlsOptions.Section);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No TLS ({Section} names no certificates): silo-to-silo and gateway connections are plain and unauthenticated; use this only for trials")]
    private static partial void PlainTransport(ILogger logger, string section);
}
