using System.Security.Cryptography;
using System.Text;

namespace OrleansCms.Schema;

/// <summary>One numbered SQL script of the CMS schema, e.g. <c>002_orleans_clustering.sql</c>.</summary>
public sealed record SchemaScript(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text; an applied script whose text changed is refused.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>The scripts embedded in this assembly, ordered by version.</summary>
    public static IReadOnlyList<SchemaScript> LoadEmbedded()
    {
        var assembly = typeof(SchemaScript).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Schema.", StringComparison.Ordinal)))
        {
            var name = resource["Schema.".Length..];
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(name[..separator], out var version))
            {
                throw new InvalidOperationException($"Schema script '{name}' must be named NNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add(new SchemaScript(version, name, reader.ReadToEnd()));
        }

        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two schema scripts share version {duplicate.Key}.");
        }

        return [.. scripts.OrderBy(s => s.Version)];
    }
}
