using System.Reflection;

namespace OrleansCms.Storage;

/// <summary>
/// Numbered schema scripts (<c>NNN_description.sql</c>) embedded in <paramref name="Assembly"/> as resources named
/// <paramref name="ResourcePrefix"/> + file name. Each project registers the scripts of the tables it owns; the silo's
/// schema migrator applies those of every registered source, in version order. A script is identified by its version
/// (unique across sources), so moving it to another assembly without changing its number, name or text leaves a
/// migrated database as it is.
/// </summary>
public sealed record SchemaScriptSource(Assembly Assembly, string ResourcePrefix);
