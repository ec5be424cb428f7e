using System.Diagnostics;
using OrleansCms.Checkpoints;
using OrleansCms.Storage;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Checkpoints;

/// <summary>An agent that stops answering in the middle of a pull (it died) must not hold up its program's grain.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointPullTimeoutTests(ClusterFixture fixture)
{
    private static readonly TimeSpan PullTimeout = new IngestOptions().PullTimeout;

    [Fact]
    public async Task AgentNeverAnswersAPull_OfferFailsAfterThePullTimeout_AndAClaimIsAnsweredRightAfter()
    {
        var (grain, _) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, seed: 11), version: 1);
        var never = new TaskCompletionSource();
        var source = new RecordingChunkSource(checkpoint.Chunks) { Hold = never.Task, HoldRequest = 0 };

        var offer = fixture.OfferAsync(grain, checkpoint.Manifest, source);
        await source.HeldRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var held = Stopwatch.StartNew();
        var claim = await grain.ClaimAsync("restoration-after-a-hung-pull");

        // The claim waited for the hung offer to give up after the pull timeout, not for Orleans' 30 s response timeout.
        Assert.True(held.Elapsed < PullTimeout + TimeSpan.FromSeconds(2), $"the claim waited {held.Elapsed.TotalSeconds:0.0} s");
        Assert.True(claim.Granted);
        Assert.Empty(claim.Versions);
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => offer);
        Assert.Contains("did not answer a pull", failure.Message, StringComparison.Ordinal);
        never.SetResult();
    }

    [Fact]
    public async Task AgentNeverAnswersAPull_UploadAbandoned_OfferFailsAndAClaimIsAnsweredAtOnce()
    {
        var (grain, key) = fixture.NewProgram();
        var checkpoint = TestCheckpoint.Create(TestCheckpoint.RandomPayload(300_000, seed: 12), version: 1);
        var never = new TaskCompletionSource();
        var source = new RecordingChunkSource(checkpoint.Chunks) { Hold = never.Task, HoldRequest = 0 };

        var offer = fixture.OfferAsync(grain, checkpoint.Manifest, source);
        await source.HeldRequestArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var held = Stopwatch.StartNew();
        await grain.AbandonUploadAsync("its ECU was declared failed");
        var claim = await grain.ClaimAsync("restoration-of-a-dead-ecu");

        // Answered without waiting for the pull timeout, and the abandoned version left no reference behind.
        Assert.True(held.Elapsed < PullTimeout, $"the claim waited {held.Elapsed.TotalSeconds:0.0} s");
        Assert.True(claim.Granted);
        Assert.Empty(claim.Versions);
        var failure = await Assert.ThrowsAsync<CheckpointRejectedException>(() => offer);
        Assert.Equal(RejectReason.SourceUnavailable, failure.Reason);
        Assert.Equal(0L, await fixture.Database.ScalarAsync<long>("SELECT count(*) FROM cms_chunk_refs WHERE checkpoint = $1", key.ToString()));
        never.SetResult();
    }
}
