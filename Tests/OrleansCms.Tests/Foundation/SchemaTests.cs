using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansCms.Hosting;
using OrleansCms.Schema;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Foundation;

public sealed class SchemaTests
{
    private static readonly SchemaMigrator Migrator = new(NullLogger<SchemaMigrator>.Instance);

    // Scripts of an assembly that is neither the silo nor the grains: this one.
    private static readonly SchemaScriptSource Contributed = new(typeof(SchemaTests).Assembly, "ContributedSchema.");

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
        Assert.Contains("010_cms_chunks.sql", error.Message);
    }

    [Fact]
    public void Load_TheSilosAndTheGrainsScripts_EachFromItsOwnAssembly()
    {
        Assert.Equal([1, 2, 3, 4], SchemaScript.Load([CmsPersistenceExtensions.SchemaScripts]).Select(s => s.Version));
        Assert.Equal([10, 11, 20, 40, 45, 46, 47], SchemaScript.Load([CmsGrainsExtensions.SchemaScripts]).Select(s => s.Version));
        Assert.Equal([1, 2, 3, 4, 10, 11, 20, 40, 45, 46, 47], SchemaScript.LoadEmbedded().Select(s => s.Version));
    }

    [Fact]
    public void Load_SeveralSources_OneListInVersionOrder()
    {
        var scripts = SchemaScript.Load([Contributed, CmsGrainsExtensions.SchemaScripts, CmsPersistenceExtensions.SchemaScripts]);

        Assert.Equal([1, 2, 3, 4, 10, 11, 20, 40, 45, 46, 47, 50], scripts.Select(s => s.Version));
        Assert.Equal("050_test_contributed.sql", scripts[^1].Name);
    }

    [Fact]
    public void Load_TwoSourcesShareAVersion_RefusedNamingBothScripts()
    {
        var clashing = new SchemaScriptSource(typeof(SchemaTests).Assembly, "ClashingSchema.");

        var error = Assert.Throws<InvalidOperationException>(() => SchemaScript.Load([CmsGrainsExtensions.SchemaScripts, clashing]));

        Assert.Contains("010_cms_chunks.sql", error.Message);
        Assert.Contains("010_test_clash.sql", error.Message);
    }

    // What silos recorded for the chunk tables' scripts while those were embedded in the silo (Silo/Schema/Sql/).
    // Scripts are identified by version, and the checksum guards the text: moved beside ChunkStore, they must keep both.
    [Theory]
    [InlineData(10, "010_cms_chunks.sql", "a3328c89f44a071f052505a04e1b46cb4fd7974498fe02b52fa9b1e36802c2c8")]
    [InlineData(11, "011_cms_chunk_candidates.sql", "06db45ab66e28fe56c825013223e2cec8e014424fbacd03c38c4af2437f34819")]
    public void Load_ChunkScriptsMovedToTheGrains_KeepTheIdentityTheyWereAppliedUnder(int version, string name, string checksum)
    {
        var script = Assert.Single(SchemaScript.Load([CmsGrainsExtensions.SchemaScripts]), s => s.Version == version);

        Assert.Equal((name, checksum), (script.Name, script.Checksum));
    }

    [Fact]
    public async Task Apply_DatabaseMigratedWhenTheSiloHeldEveryScript_AppliesOnlyLaterScripts()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        // As a silo did before the chunk scripts moved: the Orleans scripts, then 010 and 011 from its own resources.
        await Migrator.ApplyAsync(database.ConnectionString, SchemaScript.Load([CmsPersistenceExtensions.SchemaScripts]), CancellationToken.None);
        await using (var connection = await database.OpenAsync())
        {
            foreach (var script in SchemaScript.Load([CmsGrainsExtensions.SchemaScripts]).Where(s => s.Version is 10 or 11))
            {
                await using var create = new NpgsqlCommand(script.Sql, connection);
                await create.ExecuteNonQueryAsync();
            }

            await using var record = new NpgsqlCommand("""
                INSERT INTO cms_schema_history (version, name, checksum) VALUES
                    (10, '010_cms_chunks.sql', 'a3328c89f44a071f052505a04e1b46cb4fd7974498fe02b52fa9b1e36802c2c8'),
                    (11, '011_cms_chunk_candidates.sql', '06db45ab66e28fe56c825013223e2cec8e014424fbacd03c38c4af2437f34819')
                """, connection);
            await record.ExecuteNonQueryAsync();
        }

        var applied = await Migrator.ApplyAsync(database.ConnectionString, SchemaScript.LoadEmbedded(), CancellationToken.None);

        // Only the scripts added since (the cluster secret, the ECU usage, ...) are new to such a database.
        Assert.Equal(SchemaScript.LoadEmbedded().Count(s => s.Version > 11), applied);
        Assert.Equal((long)SchemaScript.LoadEmbedded().Count, await database.ScalarAsync<long>("SELECT count(*) FROM cms_schema_history"));
    }

    [Fact]
    public async Task Bootstrap_ScriptsOfAContributingAssembly_AppliedOnceThenSkipped()
    {
        await using var database = await TestDatabase.CreateAsync(applySchema: false);
        SchemaScriptSource[] sources = [CmsPersistenceExtensions.SchemaScripts, CmsGrainsExtensions.SchemaScripts, Contributed];
        var storage = Options.Create(new CmsStorageOptions { ConnectionString = database.ConnectionString });

        await new SchemaBootstrapper(Migrator, sources, storage, NullLogger<SchemaBootstrapper>.Instance).EnsureAsync(CancellationToken.None);
        var appliedAt = await database.ScalarAsync<DateTime>("SELECT applied_at FROM cms_schema_history WHERE version = 50");
        var again = await Migrator.ApplyAsync(database.ConnectionString, SchemaScript.Load(sources), CancellationToken.None);

        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM test_contributed"));
        Assert.Equal((long)SchemaScript.Load(sources).Count, await database.ScalarAsync<long>("SELECT count(*) FROM cms_schema_history"));
        Assert.Equal(0, again);
        Assert.Equal(appliedAt, await database.ScalarAsync<DateTime>("SELECT applied_at FROM cms_schema_history WHERE version = 50"));
    }
}
