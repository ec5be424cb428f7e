using FsCheck;
using FsCheck.Fluent;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fuzz;

/// <summary>Generators of hostile values shared by the fuzz tests: edge numbers, awkward strings, malformed MACs.</summary>
public static class FuzzValues
{
    private const string Hex = "0123456789abcdef";

    /// <summary>Characters that break parsers: separators, non-hex letters, whitespace, control, non-ASCII, JSON and URL syntax.</summary>
    private static readonly char[] Awkward =
    [
        'a', 'f', 'A', 'F', '0', '9', 'g', 'z', 'G', ':', '-', '.', '/', '\\', '%', '?', '#', '&', '+', '=', ' ', '\t', '\n', '\r',
        '\0', '\u0001', '\u007f', '"', '\'', '{', '}', '[', ']', ',', 'é', 'ß', '\u00a0', '\u2028', '１', '\ufeff', '\ud83d', '\ude00',
    ];

    /// <summary>Any long, with the edges (0, ±1, min, max) often.</summary>
    public static Gen<long> AnyLong { get; } = Gen.Frequency(
        (2, Gen.Elements(0L, 1L, -1L, long.MinValue, long.MaxValue, int.MaxValue, int.MinValue, 1L << 30, 1L << 40)),
        (3, ArbMap.Default.GeneratorFor<long>()));

    /// <summary>Zero or less.</summary>
    public static Gen<long> NonPositiveLong { get; } = Gen.Frequency(
        (2, Gen.Elements(0L, -1L, long.MinValue, int.MinValue)),
        (3, ArbMap.Default.GeneratorFor<long>().Select(v => v == long.MinValue ? v : -Math.Abs(v))));

    /// <summary>Less than zero.</summary>
    public static Gen<long> NegativeLong { get; } = NonPositiveLong.Select(v => v == 0 ? -1 : v);

    /// <summary>Zero or less.</summary>
    public static Gen<int> NonPositiveInt { get; } = NonPositiveLong.Select(v => (int)Math.Max(int.MinValue, v));

    /// <summary>Any int, with the edges often.</summary>
    public static Gen<int> AnyInt { get; } = Gen.Frequency(
        (2, Gen.Elements(0, 1, -1, int.MinValue, int.MaxValue, int.MaxValue - 1)),
        (3, ArbMap.Default.GeneratorFor<int>()));

    /// <summary>Doubles no measurement can be: NaN, the infinities, negatives.</summary>
    public static Gen<double> NonFiniteOrNegative { get; } = Gen.Elements(
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, -double.Epsilon, -1e-9, -0.5, -1, double.MinValue);

    /// <summary>Short text of awkward characters, from empty to a few dozen.</summary>
    public static Gen<string> AwkwardText { get; } =
        Gen.Elements(Awkward).ArrayOf().Select(chars => new string(chars));

    /// <summary>Strings a field should not be: null, empty, only whitespace.</summary>
    public static Gen<string?> Blank { get; } = Gen.Elements<string?>(null, "", " ", "\t", "\r\n", "\u00a0", "  \u2028 ");

    /// <summary>Any string: blank, awkward, large (up to 256 KiB) or plain.</summary>
    public static Gen<string?> AnyText { get; } = Gen.Frequency(
        (2, Blank),
        (4, AwkwardText.Select(s => (string?)s)),
        (1, Gen.Elements(1 << 10, 64 << 10, 256 << 10).Select(n => (string?)new string('x', n))),
        (2, ArbMap.Default.GeneratorFor<string>().Select(s => (string?)s)));

    /// <summary>A random lower-case hex SHA-256 (of nothing stored).</summary>
    public static Gen<string> RandomSha256 { get; } =
        Gen.Elements(Hex.ToCharArray()).ArrayOf(64).Select(chars => new string(chars));

    /// <summary>A canonical MAC (each run has a database of its own, so drawing it from the seed is safe).</summary>
    public static Gen<string> CanonicalMac { get; } =
        Gen.Choose(0, 255).ArrayOf(6).Select(bytes => string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>
    /// Strings that are not a canonical MAC: a valid MAC in another notation (upper case, dashes, no separators,
    /// padded), one broken by a dropped, added or replaced character, wrong group counts, and random text.
    /// </summary>
    public static Gen<string> NonCanonicalMac { get; } =
        Gen.OneOf(
            CanonicalMac.Select(mac => "AB" + mac[2..].ToUpperInvariant()),
            CanonicalMac.Select(mac => mac.Replace(':', '-')),
            CanonicalMac.Select(mac => mac.Replace(":", "", StringComparison.Ordinal)),
            CanonicalMac.Select(mac => $" {mac}\t"),
            from mac in CanonicalMac from at in Gen.Choose(0, 16) select mac.Remove(at, 1),
            from mac in CanonicalMac from at in Gen.Choose(0, 17) from c in Gen.Elements(Awkward) select mac.Insert(at, c.ToString()),
            from mac in CanonicalMac from at in Gen.Choose(0, 16) from c in Gen.Elements('g', 'z', ' ', '/', 'é', '\0', '１') select Replace(mac, at, c),
            Gen.Elements("aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb:cc:dd:ee:f", "aa::bb:cc:dd:ee:ff", "aa:bb-cc:dd:ee:ff",
                "0xaabbccddeeff", "aa:bb:cc:dd:ee:fg", "-a:bb:cc:dd:ee:ff", "+a:bb:cc:dd:ee:ff", "", " ", ":::::"),
            AwkwardText,
            Gen.Constant(new string('a', 600)))
        .Where(s => !MacAddress.TryNormalize(s, out var canonical) || canonical != s);

    /// <summary>Strings that are no MAC in any notation (what the HTTP API answers 400 for).</summary>
    public static Gen<string> MalformedMac { get; } = NonCanonicalMac.Where(s => !MacAddress.TryNormalize(s, out _));

    /// <summary>A string short enough for a case description.</summary>
    public static string Short(string? text) =>
        text is null ? "null" : text.Length <= 40 ? text : $"{text[..20]}…({text.Length} chars)";

    private static string Replace(string text, int index, char with) => string.Concat(text.AsSpan(0, index), with.ToString(), text.AsSpan(index + 1));
}
