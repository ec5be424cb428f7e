using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Grain calls under keys that are no canonical MAC (or <c>mac/programId</c>): every call is refused with a
/// <see cref="CheckpointRejectedException"/> naming the malformed part, and nothing is stored under such a key.
/// </summary>
[Trait("Speed", "Process")]
[Collection(FuzzCollection.Name)]
public sealed class GrainKeyFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task EcuCall_NonCanonicalKey_RejectedAndNothingStored()
    {
        await using var ecu = await FakeEcu.StartAsync(fixture.Silo.Client);
        Assert.Equal(1, await fixture.StoredStateRowsAsync(ecu.Mac));

        await FuzzCheck.RunAsync(output, nameof(EcuCall_NonCanonicalKey_RejectedAndNothingStored),
            EcuCases.CallsOnNonCanonicalKeys(), call => AssertRejectedAsync(call, RejectReason.MalformedMac), count: 150);

        await fixture.AssertSiloServesAsync();
    }

    [Fact]
    public async Task CheckpointCall_MalformedKey_RejectedAndNothingStored()
    {
        var program = await FuzzedProgram.CreateAsync(fixture, seed: 5);
        Assert.Equal(1, await fixture.StoredStateRowsAsync(program.Key.ToString()));
        var valid = TestCheckpoint.Create(OfferCases.Payload(50_000, seed: 6), version: 1, OfferCases.ChunkBytes);

        await FuzzCheck.RunAsync(output, nameof(CheckpointCall_MalformedKey_RejectedAndNothingStored),
            EcuCases.CallsOnMalformedCheckpointKeys(grain => program.OfferToAsync(grain, valid.Manifest, new FuzzChunkSource(valid.Chunks, SourceFault.None))),
            async call =>
            {
                await AssertRejectedAsync(call, RejectReason.MalformedMac, RejectReason.InvalidProgramId);
                if (IsStorable(call.Value.Key))
                {
                    Assert.Empty(await fixture.ChunkRefsAsync(call.Value.Key));
                }
            }, count: 150);

        await program.AssertUnchangedAsync("the malformed keys");
        await fixture.AssertSiloServesAsync();
    }

    private async Task AssertRejectedAsync(FuzzCase<KeyedCall> call, params RejectReason[] reasons)
    {
        var error = await Record.ExceptionAsync(() => call.Value.Call(fixture.Grains));

        var key = call.Value.Key;
        // The Orleans client itself refuses a blank key or one that is no valid UTF-16 (EncoderFallbackException is an
        // ArgumentException): the call never leaves the client. A key with a NUL character reaches the silo, but
        // PostgreSQL text cannot hold NUL, so the grain's state cannot even be read and its activation fails with the
        // storage's error before any grain code runs; nothing is stored either way, which is checked below.
        var refusedByClient = (string.IsNullOrWhiteSpace(key) || !IsValidUtf16(key)) && error is ArgumentException;
        var refusedByStorage = key.Contains('\0', StringComparison.Ordinal) && error is not null;
        Assert.True(refusedByClient || refusedByStorage || error is CheckpointRejectedException rejected && reasons.Contains(rejected.Reason),
            $"{call}: answered {error?.GetType().Name ?? "with success"} {error?.Message}");
        if (IsStorable(key))
        {
            Assert.Equal(0, await fixture.StoredStateRowsAsync(key));
        }
    }

    /// <summary>Whether PostgreSQL could hold the key as text at all (no NUL, valid UTF-16); only such keys can be looked for.</summary>
    private static bool IsStorable(string key) => IsValidUtf16(key) && !key.Contains('\0', StringComparison.Ordinal);

    private static bool IsValidUtf16(string text)
    {
        try
        {
            _ = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetByteCount(text);
            return true;
        }
        catch (System.Text.EncoderFallbackException)
        {
            return false;
        }
    }
}
