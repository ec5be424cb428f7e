using Microsoft.Extensions.Logging.Abstractions;
using OrleansCms.Schema;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Foundation;

public sealed class SchemaTests
{
    private static readonly SchemaMigrator Migrator = new(NullLogger<SchemaMigrator>.Instance);

    // Everything a script can create or change: tables and columns, functions, query rows, history.
    private const string SchemaFingerprint = """
        SELECT md5(string_agg(line, E'\n' ORDER BY line)) FROM (
            SELECT table_name || '.' || column_name || ':' || data_type AS line
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'fn ' || p.oid::regprocedure::text || md5(p.prosrc)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'q ' || querykey || md5(querytext) FROM orleansquery
            UNION ALL
            SELECT 'v ' || version || name || checksum || applied_at FROM cms_schema_history
        ) AS lines
        """;

    [Fact]
    public async Task Apply_Twice_SecondAppliesNothingAndChangesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        var scripts = SchemaScript.LoadEmbedded();

        var first = await Migrator.ApplyAsync(database.ConnectionString, scripts, CancellationToken.None);
        var before = await database.ScalarAsync<string>(SchemaFingerprint);
        var second = await Migrator.ApplyAsync(database.ConnectionString, scripts, CancellationToken.None);
        var after = await database.ScalarAsync<string>(SchemaFingerprint);

        Assert.Equal(scripts.Count, first);
        Assert.Equal(0, second);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Apply_ConcurrentlyFromTwoSilos_EachScriptAppliedOnce()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        var scripts = SchemaScript.LoadEmbedded();

        var applied = await Task.WhenAll(
            Migrator.ApplyAsync(database.ConnectionString, scripts, CancellationToken.None),
            Migrator.ApplyAsync(database.ConnectionString, scripts, CancellationToken.None));

        Assert.Equal(scripts.Count, applied.Sum());
        Assert.Equal(scripts.Count, await database.ScalarAsync<long>("SELECT count(*) FROM cms_schema_history"));
    }

    [Fact]
    public async Task Apply_LaterScriptAdded_MigratesAnExistingDatabase()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        var scripts = SchemaScript.LoadEmbedded();
        await Migrator.ApplyAsync(database.ConnectionString, [.. scripts.Take(scripts.Count - 1)], CancellationToken.None);

        var applied = await Migrator.ApplyAsync(database.ConnectionString, scripts, CancellationToken.None);

        Assert.Equal(1, applied);
        Assert.Equal(scripts[^1].Version, await database.ScalarAsync<int>("SELECT max(version) FROM cms_schema_history"));
    }

    [Fact]
    public async Task Apply_ScriptChangedAfterItWasApplied_RefusedWithClearError()
    {
        await using var database = await TestDatabase.CreateAsync();
        var scripts = SchemaScript.LoadEmbedded();
        var tampered = scripts.Select((s, i) => i == 0 ? s with { Sql = s.Sql + "\n-- edited" } : s).ToList();

        var error = await Assert.ThrowsAsync<CmsStartupException>(
            () => Migrator.ApplyAsync(database.ConnectionString, tampered, CancellationToken.None));

        Assert.Contains(scripts[0].Name, error.Message);
    }

    [Fact]
    public async Task Verify_SchemaMissing_ClearErrorNamesTheFix()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);

        var error = await Assert.ThrowsAsync<CmsStartupException>(
            () => Migrator.VerifyAsync(database.ConnectionString, SchemaScript.LoadEmbedded(), CancellationToken.None));

        Assert.Contains("ApplySchemaOnStart", error.Message);
    }
}
