using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansCms.Checkpoints;

namespace OrleansCms.Storage;

/// <summary>
/// The per-ECU storage quota (<see cref="IngestOptions.MaxBytesPerEcu"/>). What counts is logical bytes: the total
/// sizes of the versions each program copy of the ECU retains, plus the upload under way, whatever deduplication saves
/// (so no ECU pays for, or escapes through, chunks it shares with another). Each checkpoint grain sets what its copy
/// holds; PostgreSQL keeps one counter per ECU beside it in the same transaction (<c>cms_charge_checkpoint</c>), so an
/// offer costs two primary-key calls (charge, settle) and never a scan, each in the round trip of a chunk-table write
/// (<see cref="ChunkStore.ReserveAsync"/>, <see cref="ChunkStore.ReleaseAsync"/>). The counter is raised before an upload and lowered only once the
/// grain state no longer lists the bytes, so it never counts less than the ECU keeps.
/// </summary>
public sealed class EcuQuota([FromKeyedServices(UnflushedCommits.Key)] NpgsqlDataSource dataSource, IOptions<IngestOptions> options)
{
    private readonly IngestOptions _limits = options.Value;

    /// <summary>
    /// What a program holds while <paramref name="offered"/> is uploaded and once it is stored: its retained versions
    /// now, or those it keeps after the commit (the newest <c>RetainedVersions - 1</c> and the new one), whichever is more.
    /// </summary>
    public static long Charge(IReadOnlyList<CheckpointManifest> retained, CheckpointManifest offered, int retainedVersions) =>
        Math.Max(Held(retained), Held(retained.Take(retainedVersions - 1)) + offered.TotalSize);

    /// <summary>The bytes the versions of a program hold.</summary>
    public static long Held(IEnumerable<CheckpointManifest> versions) => versions.Sum(v => v.TotalSize);

    /// <summary>Sets what <paramref name="key"/> holds to what its grain state lists now (after a commit, a failed upload or a release).</summary>
    public async Task SettleAsync(CheckpointKey key, long bytes, CancellationToken cancellationToken = default)
    {
        // Committed without waiting for the WAL flush (UnflushedCommits), as ChunkStore's writes: a lowering lost in a
        // crash only leaves the count too high. One statement, one round trip, which also keeps the ECU row's lock short.
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(SettleCommand(key, bytes));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The statement that raises what <paramref name="key"/> holds to <paramref name="bytes"/> before an upload, or refuses
    /// (and changes nothing) when its ECU would then exceed the quota; a charge that does not grow what the program holds
    /// is always granted. Its row: granted, used, wanted. It runs in one round trip and transaction with the reservation
    /// of the version's chunks (<see cref="ChunkStore.ReserveAsync"/>); a raise is flushed by the synchronous grain-state
    /// write that lists the version.
    /// </summary>
    public NpgsqlBatchCommand ChargeCommand(CheckpointKey key, long bytes) => SetCommand(key, bytes, _limits.MaxBytesPerEcu);

    /// <summary>The statement of <see cref="SettleAsync"/>, for a batch (<see cref="ChunkStore.ReleaseAsync"/>).</summary>
    public static NpgsqlBatchCommand SettleCommand(CheckpointKey key, long bytes) => SetCommand(key, bytes, quota: null);

    /// <summary>The refusal of a charge that would take the ECU from <paramref name="used"/> to <paramref name="wanted"/> bytes.</summary>
    public CheckpointRejectedException Refusal(CheckpointKey key, long version, long used, long wanted) => new(
        RejectReason.QuotaExceeded,
        $"ECU {key.Mac} keeps {used} bytes of checkpoints; v{version} of program {key.ProgramId} would take it to {wanted} bytes, "
        + $"over its quota of {_limits.MaxBytesPerEcu} bytes (Cms:Ingest:MaxBytesPerEcu).");

    private static NpgsqlBatchCommand SetCommand(CheckpointKey key, long bytes, long? quota)
    {
        var command = new NpgsqlBatchCommand("SELECT granted, used, wanted FROM cms_charge_checkpoint($1, $2, $3, $4)");
        command.Parameters.Add(new() { Value = key.ToString() });
        command.Parameters.Add(new() { Value = key.Mac });
        command.Parameters.Add(new() { Value = bytes });
        command.Parameters.Add(new() { Value = (object?)quota ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return command;
    }
}
