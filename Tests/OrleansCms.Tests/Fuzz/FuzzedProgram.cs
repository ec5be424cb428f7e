using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// A program with one valid checkpoint stored before the fuzzing starts, and the checks that the fuzzing left
/// it alone: its versions, its chunk references, and its payload, byte for byte.
/// </summary>
public sealed class FuzzedProgram
{
    public const long StoredVersion = 10;

    private readonly FuzzSiloFixture _fixture;
    private IReadOnlyList<string> _refs = [];

    private FuzzedProgram(FuzzSiloFixture fixture, CheckpointKey key, TestCheckpoint stored)
    {
        _fixture = fixture;
        Key = key;
        Stored = stored;
    }

    public CheckpointKey Key { get; }

    public TestCheckpoint Stored { get; }

    public ICheckpointGrain Grain => _fixture.Grains.GetGrain<ICheckpointGrain>(Key.ToString());

    /// <summary>The reasons the rejected offers were given.</summary>
    public Tally Rejections { get; } = new();

    /// <summary>Stores version <see cref="StoredVersion"/> (200 000 random bytes) of a program on a fresh MAC.</summary>
    public static async Task<FuzzedProgram> CreateAsync(FuzzSiloFixture fixture, int seed)
    {
        var stored = TestCheckpoint.Create(TestCheckpoint.RandomPayload(200_000, seed), StoredVersion, OfferCases.ChunkBytes, "fuzzed-program");
        var program = new FuzzedProgram(fixture, new CheckpointKey(ClusterFixture.NewMac(), 1), stored);
        var result = await program.OfferAsync(stored.Manifest, new FuzzChunkSource(stored.Chunks, SourceFault.None));
        Assert.True(result.IsAcknowledged, $"the valid checkpoint was answered {result.Status}");
        program._refs = await fixture.ChunkRefsAsync(program.Key.ToString());
        Assert.Equal(stored.Manifest.Chunks.Select(c => c.Sha256).Distinct().Count(), program._refs.Count);
        return program;
    }

    /// <summary>Offers to this program's grain as an agent does.</summary>
    public Task<OfferResult> OfferAsync(CheckpointManifest? manifest, IChunkSource? source) => OfferToAsync(Grain, manifest, source);

    /// <summary>Offers as an agent does: the chunk source passed as a grain observer, kept alive for the call.</summary>
    public async Task<OfferResult> OfferToAsync(ICheckpointGrain grain, CheckpointManifest? manifest, IChunkSource? source)
    {
        var client = _fixture.Silo.Client;
        var reference = source is null ? null : client.CreateObjectReference<IChunkSource>(source);
        try
        {
            return await grain.OfferAsync(manifest!, reference!);
        }
        finally
        {
            if (reference is not null)
            {
                client.DeleteObjectReference<IChunkSource>(reference);
            }

            GC.KeepAlive(source);
        }
    }

    /// <summary>The offer is refused with one of the expected reasons (or with the agent's own failure), and nothing of it stays.</summary>
    public async Task AssertRejectedAsync(OfferCase offer)
    {
        var error = await Record.ExceptionAsync(() =>
            OfferAsync(offer.Manifest, offer.WithoutSource ? null : new FuzzChunkSource(offer.Chunks, offer.Fault)));

        Assert.True(error is not null, $"the CMS accepted: {offer}");
        if (offer.Fault == SourceFault.Throws)
        {
            Assert.Contains(FuzzChunkSource.FaultMessage, error.Message);
            Rejections.Add("the agent's own error");
        }
        else
        {
            var rejected = Assert.IsType<CheckpointRejectedException>(error);
            Assert.True(offer.Expected.Count == 0 || offer.Expected.Contains(rejected.Reason),
                $"{offer}: rejected as {rejected.Reason}, expected {string.Join(" or ", offer.Expected)}: {rejected.Message}");
            Rejections.Add(rejected.Reason);
        }

        await AssertUnchangedAsync(offer.Description);
    }

    /// <summary>The retained versions and the chunk references are exactly those of the stored checkpoint.</summary>
    public async Task AssertUnchangedAsync(string after)
    {
        var versions = await Grain.GetVersionsAsync();
        var only = Assert.Single(versions);
        Assert.True(only.Version == StoredVersion && only.Sha256 == Stored.Manifest.Sha256 && only.Chunks.SequenceEqual(Stored.Manifest.Chunks),
            $"after '{after}' the CMS holds version {only.Version} ({only.Sha256})");
        Assert.Equal(_refs, await _fixture.ChunkRefsAsync(Key.ToString()));
    }

    /// <summary>The stored checkpoint still reads back byte-identical, with its digest, directly and through the restore reader.</summary>
    public async Task AssertStoredReadsBackAsync()
    {
        var payload = await ClusterFixture.ReadPayloadAsync(Grain, StoredVersion);
        Assert.Equal(Stored.Payload, payload);
        Assert.True(ChunkListDigest.Matches(Stored.Manifest), "the stored manifest's digest is its chunk list's");

        using var restored = new MemoryStream();
        var read = await NewestValidReader.ReadAsync(Grain, restored);
        Assert.Equal(StoredVersion, read.Manifest.Version);
        Assert.False(read.FellBack);
        Assert.Equal(Stored.Payload, restored.ToArray());
    }

    /// <summary>The program still takes a valid next checkpoint, which reads back byte-identical.</summary>
    public async Task AssertAcceptsNextAsync(int seed)
    {
        var next = TestCheckpoint.Create(OfferCases.Payload(100_000, seed), StoredVersion + 1, OfferCases.ChunkBytes, "fuzzed-program");

        var result = await OfferAsync(next.Manifest, new FuzzChunkSource(next.Chunks, SourceFault.None));

        Assert.True(result.IsAcknowledged, $"the valid next checkpoint was answered {result.Status}");
        Assert.Equal(next.Payload, await ClusterFixture.ReadPayloadAsync(Grain, StoredVersion + 1));
        Assert.Equal(Stored.Payload, await ClusterFixture.ReadPayloadAsync(Grain, StoredVersion));
    }
}
