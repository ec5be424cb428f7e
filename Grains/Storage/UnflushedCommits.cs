using Npgsql;

namespace OrleansCms.Storage;

/// <summary>
/// The CMS's second pool of connections, whose sessions run with <c>synchronous_commit = off</c>: a commit on
/// them returns without waiting for the WAL flush, so a write that needs no flush of its own costs one round trip
/// (no BEGIN, SET LOCAL and COMMIT around it). Only for writes whose durability a later synchronous commit
/// provides (see <see cref="ChunkStore"/>) or whose loss in a crash is harmless (<see cref="EcuQuota"/>); the
/// injected <see cref="NpgsqlDataSource"/> without a key stays the one for everything else.
/// </summary>
public static class UnflushedCommits
{
    /// <summary>The service key of the <see cref="NpgsqlDataSource"/> whose commits do not wait for the flush.</summary>
    public const string Key = "cms-unflushed-commits";

    /// <summary>A data source for <paramref name="connectionString"/> whose sessions do not wait for the WAL flush on commit.</summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c synchronous_commit=off".Trim();
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }
}
