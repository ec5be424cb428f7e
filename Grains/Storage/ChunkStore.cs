using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using OrleansCms.Checkpoints;

namespace OrleansCms.Storage;

/// <summary>
/// The content-addressed chunk tables in PostgreSQL. Ingest records its references and then looks for the
/// chunks with a key-share row lock; collection locks a chunk row for update before it checks, in a later
/// statement (so with a later snapshot), that no reference exists. Either the collector deletes first and the
/// ingest sees the chunk missing (and uploads it), or the ingest's reference is visible to the check.
/// <para>
/// Reference, chunk and release writes commit without waiting for the WAL flush (its connections are the
/// <see cref="UnflushedCommits"/> pool, so each write is one round trip): nothing is acknowledged until the grain
/// state that lists the version is written with a synchronous commit, and that flush covers every earlier WAL
/// record, so one fsync per checkpoint makes all of it durable at once. Collection commits the same way: a
/// deletion lost in a crash brings back the chunk together with its queued candidate, for the next pass.
/// </para>
/// </summary>
public sealed class ChunkStore([FromKeyedServices(UnflushedCommits.Key)] NpgsqlDataSource dataSource)
{
    private const int ReadBatchChunks = 32;
    private const long CopyFromBytes = 512 << 10;
    private const string QueueCandidates = "INSERT INTO cms_chunk_candidates (sha256) SELECT DISTINCT sha256 FROM released ON CONFLICT DO NOTHING";

    /// <summary>
    /// References every chunk of <paramref name="version"/> (so none can be collected from now on) and answers the
    /// hashes the store does not hold yet. With <paramref name="charge"/> (an <see cref="EcuQuota.ChargeCommand"/> of
    /// <paramref name="chargedBytes"/>) it first charges the ECU's quota, in the same round trip and transaction, and
    /// references nothing when the charge is refused.
    /// </summary>
    public async Task<Reservation> ReserveAsync(string checkpoint, long version, IReadOnlyCollection<string> sha256s,
        NpgsqlBatchCommand? charge = null, long chargedBytes = 0, CancellationToken cancellationToken = default)
    {
        var hashes = sha256s.Distinct().Select(Convert.FromHexString).ToArray();
        var missing = new HashSet<string>(hashes.Select(Convert.ToHexStringLower));
        // One round trip, one (implicit) transaction: the charge, the references, then the key-share lock on what exists.
        // A granted charge leaves the program's usage row at least at the charged bytes; a refused one leaves it below.
        await using var batch = dataSource.CreateBatch();
        if (charge is not null)
        {
            batch.BatchCommands.Add(charge);
        }

        var insert = new NpgsqlBatchCommand("""
            INSERT INTO cms_chunk_refs (checkpoint, version, sha256)
            SELECT $1, $2, unnest($3::bytea[])
             WHERE $4 = 0 OR EXISTS (SELECT 1 FROM cms_checkpoint_usage WHERE checkpoint = $1 AND bytes >= $4)
            ON CONFLICT DO NOTHING
            """);
        insert.Parameters.Add(new() { Value = checkpoint });
        insert.Parameters.Add(new() { Value = version });
        insert.Parameters.Add(new() { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new() { Value = chargedBytes });
        var present = new NpgsqlBatchCommand("SELECT sha256 FROM cms_chunks WHERE sha256 = ANY($1) FOR KEY SHARE");
        present.Parameters.Add(new() { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(present);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var (granted, used, wanted) = (true, 0L, 0L);
        if (charge is not null)
        {
            await reader.ReadAsync(cancellationToken);
            (granted, used, wanted) = (reader.GetBoolean(0), reader.GetInt64(1), reader.GetInt64(2));
            await reader.NextResultAsync(cancellationToken);
        }

        while (await reader.ReadAsync(cancellationToken))
        {
            missing.Remove(Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0)));
        }

        return new Reservation(granted, used, wanted, granted ? missing : []);
    }

    /// <summary>Stores verified chunks; a chunk already present is left as it is, unless <paramref name="replace"/> (repair).</summary>
    public async Task StoreAsync(IReadOnlyList<ChunkData> chunks, bool replace = false, CancellationToken cancellationToken = default)
    {
        if (chunks.Count == 0)
        {
            return;
        }

        // A binary COPY takes the bytes with a third less of PostgreSQL's time than an INSERT of unnested arrays, but
        // costs a second round trip (a small write is quicker as an INSERT), and knows no ON CONFLICT: it fails whole
        // when another upload stored one of the chunks meanwhile (both found it missing), and then the INSERT, which
        // skips what exists, stores the rest.
        if (!replace && chunks.Sum(c => (long)c.Data.Length) >= CopyFromBytes)
        {
            try
            {
                await CopyAsync(chunks, cancellationToken);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
            }
        }

        var conflict = replace
            ? "ON CONFLICT (sha256) DO UPDATE SET length = excluded.length, codec = excluded.codec, data = excluded.data, stored_at = now()"
            : "ON CONFLICT (sha256) DO NOTHING";
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO cms_chunks (sha256, length, codec, data) SELECT * FROM unnest($1::bytea[], $2::int[], $3::smallint[], $4::bytea[]) {conflict}");
        command.Parameters.Add(new() { Value = chunks.Select(c => Convert.FromHexString(c.Sha256)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = chunks.Select(c => c.Length).ToArray() });
        command.Parameters.Add(new() { Value = chunks.Select(c => (short)c.Codec).ToArray() });
        command.Parameters.Add(new() { Value = chunks.Select(c => c.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        await ExecuteDeferredAsync(command, cancellationToken);
    }

    /// <summary>One binary COPY of the chunks (distinct by hash), its own transaction, committed without waiting for the flush.</summary>
    private async Task CopyAsync(IReadOnlyList<ChunkData> chunks, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync("COPY cms_chunks (sha256, length, codec, data) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var chunk in chunks.DistinctBy(c => c.Sha256))
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(Convert.FromHexString(chunk.Sha256), NpgsqlDbType.Bytea, cancellationToken);
            await writer.WriteAsync(chunk.Length, NpgsqlDbType.Integer, cancellationToken);
            await writer.WriteAsync((short)chunk.Codec, NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync(chunk.Data, NpgsqlDbType.Bytea, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>Streams the chunks with the given hashes in the given order (a hash may repeat).</summary>
    public async IAsyncEnumerable<ChunkData> ReadAsync(IReadOnlyList<string> sha256s, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var start = 0; start < sha256s.Count; start += ReadBatchChunks)
        {
            var slice = sha256s.Skip(start).Take(ReadBatchChunks).ToList();
            var found = new Dictionary<string, ChunkData>();
            await using (var command = dataSource.CreateCommand("SELECT sha256, length, codec, data FROM cms_chunks WHERE sha256 = ANY($1)"))
            {
                command.Parameters.Add(new() { Value = slice.Distinct().Select(Convert.FromHexString).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var hash = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(0));
                    found[hash] = new ChunkData(hash, reader.GetInt32(1), (ChunkCodec)reader.GetInt16(2), reader.GetFieldValue<byte[]>(3));
                }
            }

            foreach (var hash in slice)
            {
                yield return found.TryGetValue(hash, out var chunk)
                    ? chunk
                    : throw new InvalidOperationException($"Chunk {hash} is referenced but missing from the store.");
            }
        }
    }

    /// <summary>
    /// How many checkpoint versions PostgreSQL holds now: every version whose chunks are referenced, i.e. the
    /// retained versions of every program copy plus uploads under way (an abandoned one until it is released).
    /// A version without chunks (an empty payload) has no reference and is not counted.
    /// </summary>
    public async Task<long> CountVersionsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM (SELECT DISTINCT checkpoint, version FROM cms_chunk_refs) AS versions");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Drops the references of versions of <paramref name="checkpoint"/> that are not kept: every version older
    /// than <paramref name="newestKept"/> outside <paramref name="kept"/>, and newer uploads abandoned for longer than
    /// <paramref name="abandonedAfter"/>. The chunks that lost a reference are queued for <see cref="CollectAsync"/>.
    /// <paramref name="settle"/> (an <see cref="EcuQuota.SettleCommand"/>) goes in the same round trip and transaction.
    /// Returns how many references were dropped.
    /// </summary>
    public async Task<int> ReleaseAsync(string checkpoint, IReadOnlyCollection<long> kept, long newestKept, TimeSpan abandonedAfter,
        NpgsqlBatchCommand? settle = null, CancellationToken cancellationToken = default)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH released AS (
                DELETE FROM cms_chunk_refs
                 WHERE checkpoint = $1 AND version <> ALL($2)
                   AND (version < $3 OR created_at < now() - $4)
                RETURNING sha256)
            {QueueCandidates}
            """);
        command.Parameters.Add(new() { Value = checkpoint });
        command.Parameters.Add(new() { Value = kept.ToArray() });
        command.Parameters.Add(new() { Value = newestKept });
        command.Parameters.Add(new() { Value = abandonedAfter });
        return await ExecuteDeferredAsync(command, cancellationToken, settle);
    }

    /// <summary>Drops every reference of one version (an upload that was rejected) and queues its chunks for collection.</summary>
    public async Task<int> ReleaseVersionAsync(string checkpoint, long version, CancellationToken cancellationToken = default)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH released AS (
                DELETE FROM cms_chunk_refs WHERE checkpoint = $1 AND version = $2 RETURNING sha256)
            {QueueCandidates}
            """);
        command.Parameters.Add(new() { Value = checkpoint });
        command.Parameters.Add(new() { Value = version });
        return await ExecuteDeferredAsync(command, cancellationToken);
    }

    /// <summary>
    /// Drops every reference of <paramref name="checkpoint"/> (its checkpoints were released) and queues its chunks for
    /// collection; a chunk another program's version shares keeps that reference and stays. Idempotent.
    /// </summary>
    public async Task<int> ReleaseCheckpointAsync(string checkpoint, CancellationToken cancellationToken = default)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH released AS (
                DELETE FROM cms_chunk_refs WHERE checkpoint = $1 RETURNING sha256)
            {QueueCandidates}
            """);
        command.Parameters.Add(new() { Value = checkpoint });
        return await ExecuteDeferredAsync(command, cancellationToken);
    }

    /// <summary>
    /// Deletes up to <paramref name="batch"/> queued candidates that no version references any more, and
    /// clears them from the queue (a candidate referenced again is simply dropped from the queue: its next release
    /// queues it again). A chunk row someone else holds locked right now (an ingest, or another silo's collector that
    /// may have checked its references just before their last one went) stays queued for the next pass.
    /// Returns how many chunks were deleted.
    /// </summary>
    public async Task<int> CollectAsync(int batch = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var picked = await ReadHashesAsync(new NpgsqlCommand("""
            DELETE FROM cms_chunk_candidates
             WHERE sha256 IN (SELECT sha256 FROM cms_chunk_candidates LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING sha256
            """, connection, tx) { Parameters = { new() { Value = batch } } }, cancellationToken);
        if (picked.Length == 0)
        {
            return 0;
        }

        var locked = await ReadHashesAsync(new NpgsqlCommand(
            "SELECT sha256 FROM cms_chunks WHERE sha256 = ANY($1) FOR UPDATE SKIP LOCKED", connection, tx)
            { Parameters = { new() { Value = picked, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea } } }, cancellationToken);
        await using (var requeue = new NpgsqlCommand("""
            INSERT INTO cms_chunk_candidates (sha256)
            SELECT sha256 FROM cms_chunks WHERE sha256 = ANY($1) AND sha256 <> ALL($2)
            ON CONFLICT DO NOTHING
            """, connection, tx))
        {
            requeue.Parameters.Add(new() { Value = picked, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            requeue.Parameters.Add(new() { Value = locked, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            await requeue.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var delete = new NpgsqlCommand("""
            DELETE FROM cms_chunks c
             WHERE c.sha256 = ANY($1)
               AND NOT EXISTS (SELECT 1 FROM cms_chunk_refs r WHERE r.sha256 = c.sha256)
            """, connection, tx);
        delete.Parameters.Add(new() { Value = locked, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Runs one write (and <paramref name="alongside"/>, if any) in its own transaction, committed without waiting for the
    /// WAL flush (see the class comment); returns the rows the write affected.
    /// </summary>
    private async Task<int> ExecuteDeferredAsync(NpgsqlBatchCommand command, CancellationToken cancellationToken, NpgsqlBatchCommand? alongside = null)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(command);
        if (alongside is not null)
        {
            batch.BatchCommands.Add(alongside);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return command.RecordsAffected;
    }

    private static async Task<byte[][]> ReadHashesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command)
        {
            var hashes = new List<byte[]>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                hashes.Add(reader.GetFieldValue<byte[]>(0));
            }

            return [.. hashes];
        }
    }
}

/// <summary>What <see cref="ChunkStore.ReserveAsync"/> did: the quota's answer and, when granted, the chunks to upload.</summary>
public sealed record Reservation(bool Granted, long Used, long Wanted, HashSet<string> Missing);
