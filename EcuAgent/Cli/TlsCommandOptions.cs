using System.CommandLine;
using OrleansCms.Security;

namespace OrleansCms.Cli;

/// <summary><c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-ca</c>: mutual TLS to the CMS gateways (all three or none).</summary>
internal static class TlsCommandOptions
{
    private const string Certificate = "--tls-cert";
    private const string Key = "--tls-key";
    private const string Ca = "--tls-ca";

    /// <summary>The three options, new for each command tree (recursive: the subcommands take them too).</summary>
    public static Option[] Create() =>
    [
        new Option<string?>(Certificate)
        {
            Description = "This ECU's certificate (PEM), signed by the fleet CA. With --tls-key and --tls-ca, connects over mutual TLS.",
            Recursive = true,
        },
        new Option<string?>(Key) { Description = "The private key of --tls-cert (PEM).", Recursive = true },
        new Option<string?>(Ca) { Description = "The fleet CA (PEM); a silo is trusted only with a certificate it signed.", Recursive = true },
    ];

    /// <summary>
    /// Refuses a certificate that names another identity than ECU <paramref name="mac"/>: the silos would refuse every
    /// call of the agent, so it says so once at start instead (a <see cref="FormatException"/>).
    /// </summary>
    public static void RequireEcu(FleetCertificates? tls, string? mac)
    {
        if (tls is null || mac is null || !Checkpoints.MacAddress.TryNormalize(mac, out var canonical))
        {
            return; // no TLS, or a MAC the options validation reports
        }

        var named = FleetIdentity.Of(tls.Own);
        if (named != FleetIdentity.Ecu(canonical))
        {
            throw new FormatException($"--tls-cert names {named?.ToString() ?? $"no fleet identity ({tls.Own.Subject})"}, not ecu:{canonical}: an agent may act only as the ECU its certificate names.");
        }
    }

    /// <summary>The certificates, or null without TLS; a partial set or an unreadable file is a <see cref="FormatException"/>.</summary>
    public static FleetCertificates? Load(ParseResult result)
    {
        string?[] paths = [result.GetValue<string?>(Certificate), result.GetValue<string?>(Key), result.GetValue<string?>(Ca)];
        if (paths.All(p => p is null))
        {
            return null;
        }

        if (paths.Any(p => p is null))
        {
            throw new FormatException("--tls-cert, --tls-key and --tls-ca go together: give all three or none.");
        }

        try
        {
            return FleetCertificates.Load(paths[0]!, paths[1]!, paths[2]!);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException(e.Message, e);
        }
    }
}
