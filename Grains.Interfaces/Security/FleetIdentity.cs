using System.Security.Cryptography.X509Certificates;
using OrleansCms.Checkpoints;

namespace OrleansCms.Security;

/// <summary>What a fleet certificate is issued to.</summary>
public enum FleetRole
{
    /// <summary>A CMS silo: may serve TLS and link to other silos.</summary>
    Silo = 1,

    /// <summary>One ECU, named by its MAC: may act only as that ECU.</summary>
    Ecu = 2,

    /// <summary>A person or tool that administers the CMS: may not act as an ECU.</summary>
    Operator = 3,
}

/// <summary>
/// Who a fleet certificate speaks for, written as its subject's common name: <c>silo:NAME</c>, <c>ecu:MAC</c> or
/// <c>operator:NAME</c>. The fleet CA signs that name, so an ECU's key vouches for its own MAC and no other.
/// </summary>
public sealed record FleetIdentity
{
    private FleetIdentity(FleetRole role, string name) => (Role, Name) = (role, name);

    public FleetRole Role { get; }

    /// <summary>The silo's or operator's name, or the ECU's canonical MAC.</summary>
    public string Name { get; }

    public static FleetIdentity Silo(string name) => new(FleetRole.Silo, ValidName(name));

    public static FleetIdentity Ecu(string mac) => new(FleetRole.Ecu, MacAddress.Normalize(mac));

    public static FleetIdentity Operator(string name) => new(FleetRole.Operator, ValidName(name));

    /// <summary>The certificate's file name in a folder of fleet certificates (no colons, which some tools dislike).</summary>
    public string FileName => Role switch
    {
        FleetRole.Silo => Name,
        FleetRole.Ecu => $"ecu-{Name.Replace(":", "", StringComparison.Ordinal)}",
        _ => $"operator-{Name}",
    };

    /// <summary>The common name, <c>role:name</c>.</summary>
    public override string ToString() => $"{Role.ToString().ToLowerInvariant()}:{Name}";

    /// <summary>Parses <c>silo:NAME</c>, <c>ecu:MAC</c> or <c>operator:NAME</c>; an <see cref="ArgumentException"/> otherwise.</summary>
    public static FleetIdentity Parse(string text) =>
        TryParse(text, out var identity) ? identity : throw new ArgumentException($"'{text}' is not silo:NAME, ecu:MAC or operator:NAME.", nameof(text));

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FleetIdentity? identity)
    {
        identity = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0)
        {
            return false;
        }

        var name = text![(colon + 1)..];
        identity = text[..colon] switch
        {
            "silo" when IsValidName(name) => new FleetIdentity(FleetRole.Silo, name),
            "operator" when IsValidName(name) => new FleetIdentity(FleetRole.Operator, name),
            "ecu" when MacAddress.TryNormalize(name, out var mac) => new FleetIdentity(FleetRole.Ecu, mac),
            _ => null,
        };
        return identity is not null;
    }

    /// <summary>The identity a certificate names in its subject, or null when it names none (an older certificate).</summary>
    public static FleetIdentity? Of(X509Certificate2 certificate) =>
        TryParse(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), out var identity) ? identity : null;

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static string ValidName(string name) =>
        IsValidName(name) ? name : throw new ArgumentException($"'{name}' is not a valid name (1-64 letters, digits, '.', '_', '-').", nameof(name));
}
