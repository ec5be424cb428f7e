using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace OrleansCms.Benchmarks;

/// <summary>
/// The ingest ceiling: the fastest this machine's PostgreSQL takes the same bytes, one durable transaction per
/// checkpoint, as ingest commits them. Each measurement tries both ways of writing them (binary COPY of the
/// checkpoint's 64 KiB chunks as rows, or one <c>bytea</c> row holding the whole checkpoint) at 1, 2, 4 and 8
/// writers, in an order that alternates between calls, and returns the best. The pool is warmed before and
/// stays open; the table is emptied before every try (outside the timed region).
/// </summary>
public sealed class RawCeiling : IAsyncDisposable
{
    private static readonly int[] Writers = [1, 2, 4, 8];
    private readonly NpgsqlDataSource _dataSource;
    private int _calls;

    private RawCeiling(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<RawCeiling> StartAsync(string connectionString)
    {
        var ceiling = new RawCeiling(NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MinPoolSize = Writers.Max() }.ConnectionString));
        await ceiling.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS bench_raw_chunks (sha256 bytea, length integer, codec smallint, data bytea);
            ALTER TABLE bench_raw_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            CREATE TABLE IF NOT EXISTS bench_raw_checkpoints (sha256 bytea, data bytea);
            ALTER TABLE bench_raw_checkpoints ALTER COLUMN data SET STORAGE EXTERNAL;
            """);
        // Every writer's connection opened, authenticated and used once before anything is timed.
        var connections = await Task.WhenAll(Enumerable.Range(0, Writers.Max()).Select(_ => ceiling._dataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in connections)
        {
            await using (var command = new NpgsqlCommand("SELECT 1", connection))
            {
                await command.ExecuteScalarAsync();
            }

            await connection.DisposeAsync();
        }

        return ceiling;
    }

    /// <summary>The best MB/s over every way and writer count, and which one it was.</summary>
    public async Task<(double MegabytesPerSecond, string Method)> MeasureAsync(IReadOnlyList<PreparedChunkSource> checkpoints)
    {
        var tries = Writers.SelectMany(w => new[] { (Copy: true, Writers: w), (Copy: false, Writers: w) }).ToList();
        if (_calls++ % 2 == 1)
        {
            tries.Reverse();
        }

        var best = (MegabytesPerSecond: 0.0, Method: "");
        foreach (var (copy, writers) in tries)
        {
            await ExecuteAsync("TRUNCATE bench_raw_chunks, bench_raw_checkpoints");
            var rate = await WriteAsync(checkpoints, copy, writers);
            if (rate > best.MegabytesPerSecond)
            {
                best = (rate, $"{(copy ? "COPY of 64 KiB rows" : "one bytea row")}, {writers} writer{(writers > 1 ? "s" : "")}");
            }
        }

        return best;
    }

    private async Task<double> WriteAsync(IReadOnlyList<PreparedChunkSource> checkpoints, bool copy, int writers)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(checkpoints, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (checkpoint, ct) =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            if (copy)
            {
                await CopyChunksAsync(connection, checkpoint, ct);
            }
            else
            {
                await InsertWholeAsync(connection, checkpoint, ct);
            }
        });
        return checkpoints.Sum(c => c.Manifest.TotalSize) / clock.Elapsed.TotalSeconds / (1 << 20);
    }

    private static async Task CopyChunksAsync(NpgsqlConnection connection, PreparedChunkSource checkpoint, CancellationToken ct)
    {
        await using var writer = await connection.BeginBinaryImportAsync("COPY bench_raw_chunks (sha256, length, codec, data) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var chunk in checkpoint.Chunks)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(Convert.FromHexString(chunk.Sha256), NpgsqlDbType.Bytea, ct);
            await writer.WriteAsync(chunk.Length, NpgsqlDbType.Integer, ct);
            await writer.WriteAsync((short)chunk.Codec, NpgsqlDbType.Smallint, ct);
            await writer.WriteAsync(chunk.Data, NpgsqlDbType.Bytea, ct);
        }

        await writer.CompleteAsync(ct);
    }

    private static async Task InsertWholeAsync(NpgsqlConnection connection, PreparedChunkSource checkpoint, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO bench_raw_checkpoints (sha256, data) VALUES ($1, $2)", connection);
        insert.Parameters.Add(new() { Value = Convert.FromHexString(checkpoint.Manifest.Sha256), NpgsqlDbType = NpgsqlDbType.Bytea });
        insert.Parameters.Add(new() { Value = checkpoint.Payload, NpgsqlDbType = NpgsqlDbType.Bytea });
        await insert.ExecuteNonQueryAsync(ct);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync("DROP TABLE IF EXISTS bench_raw_chunks, bench_raw_checkpoints");
        await _dataSource.DisposeAsync();
    }
}
