namespace OrleansCms.Storage;

/// <summary>
/// The CMS's database failed a call (unreachable, refusing connections, shutting down, or refusing a statement), told
/// in a form every caller can receive: Npgsql's exceptions do not cross Orleans' wire, and agents do not reference
/// Npgsql. Nothing the call tried to commit in the failed transaction was kept; <see cref="IsTransient"/> says whether
/// the same call may succeed when tried again.
/// </summary>
[GenerateSerializer, Alias("OrleansCms.StorageUnavailableException")]
public sealed class StorageUnavailableException(string message, string? sqlState, bool isTransient) : Exception(message)
{
    /// <summary>PostgreSQL's SQLSTATE code of the error, when the server gave one (for example 53300: too many connections).</summary>
    [Id(0)]
    public string? SqlState { get; } = sqlState;

    /// <summary>The database client judged the failure transient (a lost connection, a timeout, a server shutting down).</summary>
    [Id(1)]
    public bool IsTransient { get; } = isTransient;
}
