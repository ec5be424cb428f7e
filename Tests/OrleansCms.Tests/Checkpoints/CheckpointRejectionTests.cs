using Npgsql;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>Every kind of bad input is refused with its reason, and the previous version stays readable.</summary>
[Collection(ReleaseClusterCollection.Name)]
public sealed class CheckpointRejectionTests(ClusterFixture fixture)
{
    private static readonly string Zeros = new('0', 64);

    [Theory]
    [InlineData("AA:BB:CC:DD:EE:FF/1")]
    [InlineData("aa:bb:cc:dd:ee/1")]
    [InlineData("not-a-mac/1")]
    [InlineData("aa:bb:cc:dd:ee:ff/x")]
    public async Task Offer_MalformedOrNonCanonicalKey_Rejected(string grainKey)
    {
        var grain = fixture.Grains.GetGrain<ICheckpointGrain>(grainKey);
        var checkpoint = TestCheckpoint.Create([1, 2, 3], version: 1);

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(
            () => fixture.OfferAsync(grain, checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks)));

        Assert.Contains(error.Reason, new[] { RejectReason.MalformedMac, RejectReason.InvalidProgramId });
    }

    [Fact]
    public void Key_MacInOtherNotations_NormalizedToLowerCaseColons()
    {
        Assert.Equal("aa:bb:cc:dd:ee:ff/3", new CheckpointKey("AA-BB-CC-DD-EE-FF", 3).ToString());
        Assert.Equal("aa:bb:cc:dd:ee:ff/3", new CheckpointKey("aabbccddeeff", 3).ToString());
        Assert.Throws<CheckpointRejectedException>(() => new CheckpointKey("aa:bb:cc:dd:ee:ff", -1));
    }

    public static TheoryData<string, RejectReason> BadManifests => new()
    {
        { "negative size", RejectReason.InvalidManifest },
        { "oversized", RejectReason.TooLarge },
        { "chunk over limit", RejectReason.ChunkTooLarge },
        { "sizes disagree", RejectReason.InvalidManifest },
        { "zero version", RejectReason.InvalidManifest },
        { "stale version", RejectReason.StaleVersion },
        { "same version other content", RejectReason.StaleVersion },
        { "digest mismatch", RejectReason.DigestMismatch },
        { "chunk bytes tampered", RejectReason.ChunkHashMismatch },
        { "no program name", RejectReason.InvalidManifest },
        { "wcet over period", RejectReason.InvalidManifest },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public async Task Offer_BadInput_RejectedAndPreviousVersionIntact(string badInput, RejectReason expected)
    {
        var (grain, key) = fixture.NewProgram();
        var good = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed: 1), version: 2);
        await fixture.OfferAsync(grain, good.Manifest, new RecordingChunkSource(good.Chunks));
        var next = TestCheckpoint.Create(TestCheckpoint.RandomPayload(150_000, seed: 2), version: 3);
        var source = new RecordingChunkSource(next.Chunks);
        var manifest = next.Manifest;
        manifest = badInput switch
        {
            "negative size" => manifest with { TotalSize = -1 },
            "oversized" => manifest with { TotalSize = 2L << 30 },
            "chunk over limit" => manifest with { TotalSize = 2 << 20, Chunks = [new ChunkRef(Zeros, 2 << 20)] },
            "sizes disagree" => manifest with { TotalSize = manifest.TotalSize + 1 },
            "zero version" => manifest with { Version = 0 },
            "stale version" => manifest with { Version = 1 },
            "same version other content" => manifest with { Version = 2 },
            "digest mismatch" => manifest with { Sha256 = Zeros },
            "chunk bytes tampered" => manifest,
            "no program name" => manifest with { Program = manifest.Program with { Name = " " } },
            "wcet over period" => manifest with { Program = manifest.Program with { Period = TimeSpan.FromMilliseconds(5), Wcet = TimeSpan.FromMilliseconds(6) } },
            _ => throw new ArgumentOutOfRangeException(nameof(badInput)),
        };
        if (badInput == "chunk bytes tampered")
        {
            source.Tamper = c => c with { Data = [.. c.Data.Select(b => (byte)~b)] };
        }

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(() => fixture.OfferAsync(grain, manifest, source));

        Assert.Equal(expected, error.Reason);
        Assert.Equal([2L], (await grain.GetVersionsAsync()).Select(v => v.Version));
        Assert.Equal(good.Payload, await ClusterFixture.ReadPayloadAsync(grain, 2));
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>(
            "SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1 AND version <> 2", key.ToString()));
    }

    [Fact]
    public async Task Read_UnknownProgram_Rejected()
    {
        var (grain, _) = fixture.NewProgram();

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(async () =>
        {
            await foreach (var _ in grain.ReadChunksAsync(1))
            {
            }
        });

        Assert.Equal(RejectReason.UnknownProgram, error.Reason);
    }

    [Fact]
    public async Task Read_UnknownVersion_Rejected()
    {
        var (grain, _) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create([9, 9, 9], version: 1);
        await fixture.OfferAsync(grain, checkpoint.Manifest, new RecordingChunkSource(checkpoint.Chunks));

        var error = await Assert.ThrowsAsync<CheckpointRejectedException>(async () =>
        {
            await foreach (var _ in grain.ReadChunksAsync(7))
            {
            }
        });

        Assert.Equal(RejectReason.UnknownVersion, error.Reason);
    }

    [Fact]
    public async Task Offer_DatabaseRefusesTheWrite_TheCallerGetsTheDatabasesErrorAndNothingIsStored()
    {
        // A real PostgreSQL error inside the grain: a trigger that refuses this one program's chunk references.
        var (grain, key) = fixture.NewProgram();
        var name = $"refuse_{Guid.NewGuid():N}";
        await using var owner = await fixture.Database.OpenAsync();
        await using (var create = new NpgsqlCommand(
            $"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER {name} BEFORE INSERT ON cms_chunk_refs FOR EACH ROW WHEN (NEW.checkpoint = '{key}') EXECUTE FUNCTION {name}();
            """, owner))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(100_000, seed: 5), version: 1);
            var source = new RecordingChunkSource(checkpoint.Chunks);

            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => fixture.OfferAsync(grain, checkpoint.Manifest, source));

            Assert.Equal("P0001", error.SqlState);
            Assert.False(error.IsTransient);
            Assert.Contains("refused by the test", error.Message, StringComparison.Ordinal);
            Assert.Empty(await grain.GetVersionsAsync());
            Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1", key.ToString()));
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP TRIGGER {name} ON cms_chunk_refs; DROP FUNCTION {name}();", owner);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
