using Npgsql;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// <see cref="EcuQuota"/>'s counters on a real database: a charge or settle that changes what a program holds waits
/// for its ECU's row, so that two programs of one ECU cannot both fit a quota that holds one; one that changes nothing
/// (a program whose versions keep their size: two per checkpoint) neither waits for nor writes that row.
/// </summary>
public sealed class EcuQuotaLockTests : IAsyncLifetime
{
    private const string Mac = "02:00:00:00:71:01";
    private static readonly CheckpointKey Program = new(Mac, 1);
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;
    private EcuQuota _quota = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        _quota = new EcuQuota(_dataSource, Microsoft.Extensions.Options.Options.Create(new IngestOptions { MaxBytesPerEcu = 1000 }));
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Charge_Unchanged_AnsweredWhileTheEcuRowIsLocked_ChangedWaitsForIt()
    {
        Assert.Equal((true, 300L), await ChargeAsync(300));
        await using var holder = await _database.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT bytes FROM cms_ecu_usage WHERE mac = $1 FOR UPDATE", holder, tx) { Parameters = { new() { Value = Mac } } })
        {
            Assert.Equal(300L, await lockRow.ExecuteScalarAsync());
        }

        Assert.Equal((true, 300L), await ChargeAsync(300));
        var waited = await Assert.ThrowsAsync<PostgresException>(() => ChargeAsync(400));
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, waited.SqlState);
        await tx.RollbackAsync();

        Assert.Equal((true, 400L), await ChargeAsync(400));
        Assert.Equal(400L, await _database.ScalarAsync<long>("SELECT bytes FROM cms_ecu_usage WHERE mac = $1", Mac));
    }

    [Fact]
    public async Task Charge_Unchanged_OverAQuotaLoweredSince_GrantedAndNothingWritten()
    {
        Assert.Equal((true, 900L), await ChargeAsync(900));
        var lowered = new EcuQuota(_dataSource, Microsoft.Extensions.Options.Options.Create(new IngestOptions { MaxBytesPerEcu = 500 }));

        // It does not grow what the program holds: granted, as before this fast path, and the counters stay as they were.
        Assert.Equal((true, 900L), await ChargeAsync(900, lowered));
        Assert.Equal((false, 900L), await ChargeAsync(901, lowered));
        Assert.Equal(900L, await _database.ScalarAsync<long>("SELECT bytes FROM cms_ecu_usage WHERE mac = $1", Mac));
        Assert.Equal(900L, await _database.ScalarAsync<long>("SELECT bytes FROM cms_checkpoint_usage WHERE checkpoint = $1", Program.ToString()));
    }

    [Fact]
    public async Task Settle_ToZeroAndUnchangedAtZero_LeavesNoRows()
    {
        Assert.Equal((true, 300L), await ChargeAsync(300));
        await _quota.SettleAsync(Program, 0);
        await _quota.SettleAsync(Program, 0);

        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM cms_ecu_usage"));
        Assert.Equal(0L, await _database.ScalarAsync<long>("SELECT count(*) FROM cms_checkpoint_usage"));
    }

    // One charge on a connection that waits at most 300 ms for a lock: (granted, the ECU's use as it then stands).
    private async Task<(bool Granted, long Used)> ChargeAsync(long bytes, EcuQuota? quota = null)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using (var timeout = new NpgsqlCommand("SET lock_timeout = '300ms'", connection))
        {
            await timeout.ExecuteNonQueryAsync();
        }

        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { (quota ?? _quota).ChargeCommand(Program, bytes) } };
        await using var reader = await batch.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetBoolean(0), reader.GetInt64(1));
    }
}
