using Npgsql;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary><see cref="ChunkStore.StoreAsync"/> on a real database: a chunk stored once stays as it was, unless repaired.</summary>
public sealed class ChunkStoreWriteTests : IAsyncLifetime
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

    private Task<byte[]> DataAsync(ChunkData chunk) =>
        _database.ScalarAsync<byte[]>("SELECT data FROM cms_chunks WHERE sha256 = $1", Convert.FromHexString(chunk.Sha256));
}
