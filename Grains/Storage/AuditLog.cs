using Npgsql;

namespace OrleansCms.Storage;

/// <summary>
/// One operator action as recorded in <c>cms_audit</c>; <see cref="Outcome"/> is null while it runs (or if its silo
/// died, or its outcome could not be written).
/// </summary>
[GenerateSerializer, Alias("OrleansCms.AuditRecord")]
public sealed record AuditRecord(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] string Target,
    [property: Id(5)] string? Detail,
    [property: Id(6)] string Origin,
    [property: Id(7)] string? Outcome);

/// <summary>
/// The durable record of operator actions (<c>cms_audit</c>). <see cref="BeginAsync"/> commits before the action
/// runs, synchronously: an action whose record cannot be written does not run.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource)
{
    /// <summary>The most rows <see cref="RecentAsync"/> returns.</summary>
    public const int MaxRecent = 1000;

    /// <summary>
    /// Records an action, runs it, then records its outcome: <paramref name="outcome"/> of its result, or the name of
    /// what it threw. The record is committed before <paramref name="run"/> starts (an action that cannot be recorded
    /// does not run); an outcome that cannot be written leaves the record's outcome null and never replaces the
    /// action's own result or exception.
    /// </summary>
    public async Task<T> RecordAsync<T>(string actor, string action, string target, string? detail, string origin,
        Func<Task<T>> run, Func<T, string> outcome, CancellationToken cancellationToken = default)
    {
        var id = await BeginAsync(actor, action, target, detail, origin, cancellationToken);
        T result;
        try
        {
            result = await run();
        }
        catch (Exception e)
        {
            await TryEndAsync(id, $"failed: {e.GetType().Name}");
            throw;
        }

        await TryEndAsync(id, outcome(result));
        return result;
    }

    private async Task<long> BeginAsync(string actor, string action, string target, string? detail, string origin, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO cms_audit (actor, action, target, detail, origin) VALUES ($1, $2, $3, $4, $5) RETURNING id");
        command.Parameters.Add(new() { Value = actor });
        command.Parameters.Add(new() { Value = action });
        command.Parameters.Add(new() { Value = target });
        command.Parameters.Add(new() { Value = (object?)detail ?? DBNull.Value });
        command.Parameters.Add(new() { Value = origin });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task TryEndAsync(long id, string outcome)
    {
        try
        {
            await using var command = dataSource.CreateCommand("UPDATE cms_audit SET outcome = $2 WHERE id = $1 AND outcome IS NULL");
            command.Parameters.Add(new() { Value = id });
            command.Parameters.Add(new() { Value = outcome });
            await command.ExecuteNonQueryAsync();
        }
        catch (System.Data.Common.DbException)
        {
            // The action has run (or failed) already: its own result stands, and the record's outcome stays null.
        }
    }

    /// <summary>The newest <paramref name="limit"/> records, newest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> RecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, at, actor, action, target, detail, origin, outcome FROM cms_audit ORDER BY id DESC LIMIT $1");
        command.Parameters.Add(new() { Value = Math.Clamp(limit, 1, MaxRecent) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new AuditRecord(
                reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return records;
    }
}
