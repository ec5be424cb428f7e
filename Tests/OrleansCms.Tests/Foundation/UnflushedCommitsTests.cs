using Npgsql;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Foundation;

/// <summary>
/// The pool of the writes that need no flush of their own runs its sessions with synchronous_commit off; the
/// default pool, which audit records and everything else use, keeps the server's synchronous commits.
/// </summary>
public sealed class UnflushedCommitsTests
{
    [Fact]
    public async Task UnflushedPool_CommitsWithoutWaitingForTheFlush_TheDefaultPoolStillWaits()
    {
        await using var unflushed = UnflushedCommits.Create(TestDatabase.ServerConnectionString);
        await using var standard = NpgsqlDataSource.Create(TestDatabase.ServerConnectionString);

        Assert.Equal("off", await SettingAsync(unflushed));
        Assert.Equal("on", await SettingAsync(standard));
    }

    [Fact]
    public async Task UnflushedPool_KeepsTheOptionsTheConnectionStringSets()
    {
        var withOptions = new NpgsqlConnectionStringBuilder(TestDatabase.ServerConnectionString) { Options = "-c application_name=cms-options-test" }.ConnectionString;
        await using var unflushed = UnflushedCommits.Create(withOptions);

        Assert.Equal("off", await SettingAsync(unflushed));
        await using var command = unflushed.CreateCommand("SHOW application_name");
        Assert.Equal("cms-options-test", await command.ExecuteScalarAsync());
    }

    private static async Task<object?> SettingAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SHOW synchronous_commit");
        return await command.ExecuteScalarAsync();
    }
}
