using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace OrleansCms.Tests.Fuzz;

/// <summary>Generators of hostile HTTP requests: paths with malformed segments, and mutated or random JSON bodies.</summary>
public static class HttpCases
{
    private static readonly string[] PathTemplates =
    [
        "/api/ecus/{0}", "/api/ecus/{0}/checkpoints", "/api/ecus/{0}/failure", "/api/restorations/{0}", "/api/ecus?all={0}",
        "/api/{0}", "/{0}", "/api/ecus/{0}/{0}",
    ];

    /// <summary>JSON values of every kind, of the wrong type for most fields.</summary>
    private static readonly Gen<string> JsonLiterals = Gen.OneOf(
        Gen.Elements("null", "true", "false", "0", "-1", "1.5", "1e999", "-1e999", "2147483648", "-2147483649", "9223372036854775808",
            "\"\"", "\"7\"", "[]", "{}", "[1,2]", "{\"a\":1}", "\"02:00:00:00:00:01\"", new string('[', 300) + new string(']', 300)),
        FuzzValues.AnyText.Select(s => JsonSerializer.Serialize(s)),
        FuzzValues.MalformedMac.Select(s => JsonSerializer.Serialize(s)));

    private static readonly Gen<string?> ContentTypes = Gen.Frequency(
        (10, Gen.Constant<string?>("application/json")),
        (1, Gen.Elements<string?>(null, "text/plain", "application/xml", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "*/*")));

    /// <summary>A GET path with one segment (or query value) that is malformed, unknown, huge or full of awkward characters.</summary>
    public static Gen<FuzzCase<string>> Paths(IReadOnlyList<string> knownMacs) =>
        from template in Gen.Elements(PathTemplates)
        from segment in Gen.OneOf(
            FuzzValues.MalformedMac.Select(Encode),
            FuzzValues.NonCanonicalMac.Select(Encode),
            FuzzValues.CanonicalMac,
            Gen.Elements(knownMacs.ToArray()).Select(mac => Encode(mac.ToUpperInvariant().Replace(':', '-'))),
            FuzzValues.AwkwardText.Select(Encode),
            from kind in Gen.Elements("failure", "crash", "migration", "")
            from mac in FuzzValues.NonCanonicalMac
            from n in FuzzValues.AnyLong
            select Encode($"{kind}:{mac}:{n}"),
            Gen.Elements("%00", "%FF%FE", "%C3", "%2F", "%25", "%%", "%zz", "..", ".", "%2e%2e", "true", "TRUE", "1", "yes"),
            Gen.Elements(1000, 2000).Select(n => Encode(new string('é', n / 6))))
        select new FuzzCase<string>($"GET {FuzzValues.Short(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, segment))}",
            string.Format(System.Globalization.CultureInfo.InvariantCulture, template, segment));

    /// <summary>
    /// Bodies made from a valid JSON object by truncating it, inserting, deleting or replacing characters, giving its
    /// fields values of every kind, or replacing it altogether; sent with mostly, but not always, a JSON content type.
    /// </summary>
    public static Gen<FuzzCase<HttpBody>> Bodies(IReadOnlyDictionary<string, string> template)
    {
        var valid = ObjectJson(template.Select(f => (f.Key, f.Value)));
        var text = Gen.OneOf(
            Gen.Choose(0, valid.Length - 1).Select(i => ($"truncated after {i} chars", valid[..i])),
            Gen.Choose(0, valid.Length - 1).Select(i => ($"char {i} deleted", valid.Remove(i, 1))),
            from i in Gen.Choose(0, valid.Length) from c in FuzzValues.AwkwardText.Where(s => s.Length > 0)
            select ($"'{FuzzValues.Short(c)}' inserted at {i}", valid.Insert(i, c)),
            from i in Gen.Choose(0, valid.Length - 1) from c in FuzzValues.AwkwardText.Where(s => s.Length > 0)
            select ($"char {i} replaced by '{FuzzValues.Short(c)}'", valid.Remove(i, 1).Insert(i, c)),
            Fields(template),
            from extra in JsonLiterals select ($"field given twice, then as {FuzzValues.Short(extra)}", valid.TrimEnd('}') + $",\"{template.Keys.First()}\":{extra}}}"),
            Gen.Elements("", " ", "null", "[]", "42", "\"x\"", "{", "}", "{}", "{\"\":1}", "\u0000", new string('{', 5000))
                .Select(body => ($"body '{FuzzValues.Short(body)}'", body)),
            FuzzValues.AnyText.Select(body => ($"body '{FuzzValues.Short(body)}'", body ?? "")));
        var bytes = Gen.OneOf(
            text.Select(t => (t.Item1, Encoding.UTF8.GetBytes(t.Item2))),
            Gen.Constant(("valid object in UTF-16", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(valid)).ToArray())),
            Gen.Choose(0, 255).ArrayOf().Select(b => ($"{b.Length} random bytes", b.Select(x => (byte)x).ToArray())),
            Gen.Constant(("invalid UTF-8 in a string", Encoding.UTF8.GetBytes(valid[..2]).Concat(new byte[] { 0xff, 0xc3 }).Concat(Encoding.UTF8.GetBytes(valid[2..])).ToArray())));
        return from body in bytes
               from contentType in ContentTypes
               select new FuzzCase<HttpBody>($"{body.Item1} ({contentType ?? "no content type"})", new HttpBody(body.Item2, contentType));
    }

    /// <summary>The template's fields, each kept, left out or given a value of another kind.</summary>
    private static Gen<(string, string)> Fields(IReadOnlyDictionary<string, string> template) =>
        Gen.CollectToList(template.Select(field => Gen.Frequency<(string Name, string? Json)>(
                (2, Gen.Constant<(string Name, string? Json)>((field.Key, field.Value))),
                (1, Gen.Constant<(string Name, string? Json)>((field.Key, null))),
                (3, JsonLiterals.Select(literal => (Name: field.Key, Json: (string?)literal))))))
            .Select(fields =>
            {
                var present = fields.Where(f => f.Json is not null).Select(f => (f.Name, f.Json!)).ToList();
                return ($"fields {FuzzValues.Short(string.Join(", ", present.Select(f => $"{f.Item1}={f.Item2}")))}", ObjectJson(present));
            });

    private static string ObjectJson(IEnumerable<(string Name, string Json)> fields) =>
        "{" + string.Join(",", fields.Select(f => $"{JsonSerializer.Serialize(f.Name)}:{f.Json}")) + "}";

    /// <summary>
    /// Percent-encodes every byte of the UTF-8 form that is not unreserved, so that any text makes a well-formed
    /// request target (lone surrogates become U+FFFD, as in any UTF-8 encoder).
    /// </summary>
    public static string Encode(string text)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
