using Npgsql;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>
/// <see cref="ChunkStore"/> on a real database: a chunk stored once stays as it was unless repaired; what collection
/// deletes, and what it must not forget.
/// </summary>
public sealed class ChunkStoreTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;
    private ChunkStore _store = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        _store = new ChunkStore(_dataSource);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData(100)] // written with an INSERT
    [InlineData(600 << 10)] // written with a binary COPY, which the stored chunk makes fail, then with the INSERT
    public async Task Store_SomeChunksStoredMeanwhile_StoresTheRestAndLeavesTheStoredOnesAsTheyAre(int size)
    {
        var first = ChunkEncoding.Encode(TestCheckpoint.RandomPayload(size, seed: 1));
        var second = ChunkEncoding.Encode(TestCheckpoint.RandomPayload(size, seed: 2));
        await _store.StoreAsync([first]);

        // The same hash with other bytes: had the write replaced the row, the stored bytes would change.
        await _store.StoreAsync([first with { Data = [.. first.Data, 0xff] }, second, second]);

        Assert.Equal(first.Data, await DataAsync(first));
        Assert.Equal(second.Data, await DataAsync(second));
        Assert.Equal(2L, await _database.ScalarAsync<long>("SELECT count(*) FROM cms_chunks"));
    }

    [Fact]
    public async Task Store_Repair_ReplacesTheStoredBytes()
    {
        var chunk = ChunkEncoding.Encode("damaged at rest, sent again"u8);
        await _store.StoreAsync([chunk with { Data = [0x00] }]);

        await _store.StoreAsync([chunk], replace: true);

        Assert.Equal(chunk.Data, await DataAsync(chunk));
    }

    [Fact]
    public async Task Collect_ReleasedChunk_DeletedButASharedOneKept()
    {
        var only = ChunkEncoding.Encode("only in version 1"u8);
        var shared = ChunkEncoding.Encode("in versions 1 and 2"u8);
        await StoreAsync("02:00:00:00:0d:01/1", 1, only, shared);
        await StoreAsync("02:00:00:00:0d:01/1", 2, shared);

        await _store.ReleaseAsync("02:00:00:00:0d:01/1", kept: [2], newestKept: 2, TimeSpan.FromMinutes(10));
        await _store.CollectAsync();

        Assert.False(await ExistsAsync(only));
        Assert.True(await ExistsAsync(shared));
    }

    [Fact]
    public async Task Collect_ChunkLockedByAnotherTransaction_StaysQueuedAndIsDeletedOnTheNextPass()
    {
        var chunk = ChunkEncoding.Encode("released while someone holds its row"u8);
        await StoreAsync("02:00:00:00:0d:02/1", 1, chunk);
        await _store.ReleaseVersionAsync("02:00:00:00:0d:02/1", 1);

        // Another collector (or an ingest) holds the row: this pass must skip the chunk without forgetting it.
        await using (var other = await _database.OpenAsync())
        await using (var tx = await other.BeginTransactionAsync())
        {
            await using var hold = new NpgsqlCommand("SELECT 1 FROM cms_chunks WHERE sha256 = $1 FOR UPDATE", other, tx)
                { Parameters = { new() { Value = Convert.FromHexString(chunk.Sha256) } } };
            await hold.ExecuteScalarAsync();

            Assert.Equal(0, await _store.CollectAsync());
            Assert.True(await ExistsAsync(chunk));
        }

        Assert.Equal(1, await _store.CollectAsync());
        Assert.False(await ExistsAsync(chunk));
    }

    private async Task StoreAsync(string checkpoint, long version, params ChunkData[] chunks)
    {
        await _store.ReserveAsync(checkpoint, version, [.. chunks.Select(c => c.Sha256)]);
        await _store.StoreAsync(chunks);
    }

    private async Task<bool> ExistsAsync(ChunkData chunk) =>
        await _database.ScalarAsync<long>("SELECT count(*) FROM cms_chunks WHERE sha256 = $1", Convert.FromHexString(chunk.Sha256)) == 1;

    private Task<byte[]> DataAsync(ChunkData chunk) =>
        _database.ScalarAsync<byte[]>("SELECT data FROM cms_chunks WHERE sha256 = $1", Convert.FromHexString(chunk.Sha256));
}
