using System.Security.Cryptography;
using System.Text;
using OrleansCms.Hosting;
using OrleansCms.Storage;

namespace OrleansCms.Schema;

/// <summary>One numbered SQL script of the CMS schema, e.g. <c>002_orleans_clustering.sql</c>.</summary>
public sealed record SchemaScript(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script text; an applied script whose text changed is refused.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>
    /// The scripts of a whole CMS: the Orleans providers' tables (this assembly) and the grains' own tables. A silo
    /// finds the same sources through DI; this list is for tools and tests that prepare a database without one.
    /// </summary>
    public static IReadOnlyList<SchemaScript> LoadEmbedded() =>
        Load([CmsPersistenceExtensions.SchemaScripts, CmsGrainsExtensions.SchemaScripts]);

    /// <summary>The scripts of every source, ordered by version; versions must be unique across sources.</summary>
    public static IReadOnlyList<SchemaScript> Load(IEnumerable<SchemaScriptSource> sources)
    {
        var scripts = new List<SchemaScript>();
        foreach (var source in sources.Distinct())
        {
            var assembly = source.Assembly;
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(source.ResourcePrefix, StringComparison.Ordinal)))
            {
                var name = resource[source.ResourcePrefix.Length..];
                var separator = name.IndexOf('_', StringComparison.Ordinal);
                if (separator <= 0 || !int.TryParse(name[..separator], out var version))
                {
                    throw new InvalidOperationException($"Schema script '{name}' of {assembly.GetName().Name} must be named NNN_description.sql.");
                }

                using var stream = assembly.GetManifestResourceStream(resource)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                scripts.Add(new SchemaScript(version, name, reader.ReadToEnd()));
            }
        }

        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Schema scripts {string.Join(" and ", duplicate.Select(s => s.Name))} share version {duplicate.Key}.");
        }

        return [.. scripts.OrderBy(s => s.Version)];
    }
}
