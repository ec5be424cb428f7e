using Npgsql;

namespace OrleansCms.Security;

/// <summary>
/// The cluster's secret key, shared by every silo through PostgreSQL (<c>cms_cluster_secret</c>): what makes a
/// session token, a read grant or a silo's call mark something only silos can produce. Read once per silo (again
/// after a failed read).
/// </summary>
public sealed class ClusterSecret(NpgsqlDataSource database)
{
    private Task<byte[]>? _key;

    public Task<byte[]> KeyAsync()
    {
        var key = _key;
        if (key is null || key.IsFaulted || key.IsCanceled)
        {
            _key = key = ReadAsync();
        }

        return key;
    }

    private async Task<byte[]> ReadAsync()
    {
        await using var command = database.CreateCommand("SELECT secret FROM cms_cluster_secret WHERE id = 1");
        return await command.ExecuteScalarAsync() as byte[]
            ?? throw new InvalidOperationException("cms_cluster_secret holds no key: the schema was not applied.");
    }
}
