using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansCms.Checkpoints;
using OrleansCms.Ingest;
using static OrleansCms.Tests.Ingest.IngestTestData;

namespace OrleansCms.Tests.Ingest;

public class CheckpointUploaderTests
{
    [Fact]
    public async Task RunAsync_TransientFailureThenSuccess_AcknowledgesOnce()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Attempt == 1 ? throw new SiloUnavailableException() : cms.AcceptAsync(offer);
        await using var run = new UploaderRun(cms);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));

        await acknowledged;
        Assert.Equal(2, cms.OffersOf(Key(1), 1));
        Assert.Equal(1, run.Uploader.AcknowledgedCount);
        Assert.Equal(0, run.Buffer.Count);
        Assert.Equal(RandomPayload(1000, HashCode.Combine(1, 1L)), cms.Stored(Key(1), 1));
    }

    [Fact]
    public async Task RunAsync_SmallCheckpoint_AttachedToItsFirstOffer_NotToTheRetryAfterAFailure()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Attempt == 1 ? throw new SiloUnavailableException() : cms.AcceptAsync(offer);
        var options = FastOptions();
        options.AttachUpToBytes = 4096;
        await using var run = new UploaderRun(cms, options);
        var acknowledged = run.WaitForAcknowledgements(2);

        run.Uploader.Add(Checkpoint(1, 1, size: 4000));
        run.Uploader.Add(Checkpoint(2, 1, size: 5000));

        await acknowledged;
        var small = cms.Offers.Where(o => o.Key == Key(1)).OrderBy(o => o.Attempt).ToList();
        Assert.Equal(Checkpoint(1, 1, size: 4000).Chunks.Select(c => c.Sha256), Assert.IsAssignableFrom<IReadOnlyList<ChunkData>>(small[0].Attached).Select(c => c.Sha256));
        Assert.Null(small[1].Attached); // a CMS older than the agent would refuse every attached offer
        Assert.All(cms.Offers.Where(o => o.Key == Key(2)), o => Assert.Null(o.Attached)); // over AttachUpToBytes: pulled
        Assert.Equal(RandomPayload(4000, HashCode.Combine(1, 1L)), cms.Stored(Key(1), 1));
    }

    [Fact]
    public async Task RunAsync_TimeoutsThenSuccess_AcknowledgesOnce()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Attempt <= 3 ? Task.FromException<OfferResult>(new TimeoutException()) : cms.AcceptAsync(offer);
        await using var run = new UploaderRun(cms);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));

        await acknowledged;
        Assert.Equal(4, cms.OffersOf(Key(1), 1));
        Assert.Single(run.AcknowledgedVersions);
    }

    [Fact]
    public async Task RunAsync_FirstOfferNeverAnswered_OfferedAgainAfterTheOfferTimeout()
    {
        // A call through a gateway that died mid-call: Orleans would only fail it at its response timeout.
        var cms = new FakeCms();
        cms.Handler = offer => offer.Attempt == 1 ? new TaskCompletionSource<OfferResult>().Task : cms.AcceptAsync(offer);
        var options = FastOptions();
        options.OfferTimeout = TimeSpan.FromSeconds(1);
        await using var run = new UploaderRun(cms, options);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));

        await acknowledged;
        Assert.Equal(2, cms.OffersOf(Key(1), 1));
        Assert.Equal(0, run.Buffer.Count);
    }

    [Fact]
    public async Task RunAsync_BusyThenAcknowledged_OffersAgainAndAcknowledges()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Attempt == 1
            ? Task.FromResult(new OfferResult(OfferStatus.Busy, offer.Manifest.Version, 0, 0, TimeSpan.FromMilliseconds(5)))
            : cms.AcceptAsync(offer);
        await using var run = new UploaderRun(cms);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));

        await acknowledged;
        Assert.Equal(2, cms.OffersOf(Key(1), 1));
        Assert.Equal(0, run.Buffer.Count);
    }

    [Fact]
    public async Task RunAsync_RateLimited_WaitsAsToldKeepsTheVersionOrderAndRejectsNothing()
    {
        var retryAfter = TimeSpan.FromMilliseconds(200);
        var cms = new FakeCms();
        var attempts = new ConcurrentQueue<(long Version, long At)>();
        cms.Handler = offer =>
        {
            attempts.Enqueue((offer.Manifest.Version, Stopwatch.GetTimestamp()));
            return offer.Manifest.Version == 1 && offer.Attempt <= 2
                ? Task.FromResult(new OfferResult(OfferStatus.RateLimited, offer.Manifest.Version, 0, 0, retryAfter))
                : cms.AcceptAsync(offer);
        };
        await using var run = new UploaderRun(cms);
        var acknowledged = run.WaitForAcknowledgements(2);

        run.Uploader.Add(Checkpoint(1, 1));
        run.Uploader.Add(Checkpoint(1, 2));
        await acknowledged;

        Assert.Equal([1L, 1L, 1L, 2L], attempts.Select(a => a.Version));
        var at = attempts.Select(a => a.At).ToList();
        // .NET timers tick on a millisecond clock coarser than the Stopwatch's, so a wait may measure a hair short.
        var waited = retryAfter - TimeSpan.FromMilliseconds(16);
        Assert.True(Stopwatch.GetElapsedTime(at[0], at[1]) >= waited, "the second offer did not wait the announced time");
        Assert.True(Stopwatch.GetElapsedTime(at[1], at[2]) >= waited, "the third offer did not wait the announced time");
        Assert.Equal(0, run.Uploader.RejectedCount);
        Assert.Equal([(1, 1L), (1, 2L)], run.AcknowledgedVersions);
    }

    [Fact]
    public async Task RunAsync_Rejected_RemovesAndCountsItWithoutRetrying()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Manifest.Version == 1
            ? throw new CheckpointRejectedException(RejectReason.StaleVersion, "not newer")
            : cms.AcceptAsync(offer);
        await using var run = new UploaderRun(cms);
        var rejected = new TaskCompletionSource<RejectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Uploader.Rejected += (_, _, e) => rejected.TrySetResult(e.Reason);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));
        Assert.Equal(RejectReason.StaleVersion, await rejected.Task.WaitAsync(WaitTimeout));
        run.Uploader.Add(Checkpoint(1, 2));
        await acknowledged;

        Assert.Equal(1, cms.OffersOf(Key(1), 1));
        Assert.Equal(1, run.Uploader.RejectedCount);
        Assert.False(run.Buffer.Contains(Key(1), 1));
        Assert.Equal(0, run.Buffer.DroppedCount);
        Assert.Equal([(1, 2L)], run.AcknowledgedVersions);
    }

    [Fact]
    public async Task RunAsync_CmsDownThenBack_KeepsCheckpointsBufferedAndAcknowledgesThemAll()
    {
        var cms = new FakeCms();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failedPrograms = new ConcurrentDictionary<int, bool>();
        var allFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.Handler = offer =>
        {
            if (up.Task.IsCompleted)
            {
                return cms.AcceptAsync(offer);
            }

            failedPrograms[offer.Key.ProgramId] = true;
            if (failedPrograms.Count == 3)
            {
                allFailed.TrySetResult();
            }

            throw offer.Attempt % 2 == 0 ? new TimeoutException() : new SiloUnavailableException();
        };
        await using var run = new UploaderRun(cms);
        var acknowledged = run.WaitForAcknowledgements(9);
        var checkpoints = (from version in Enumerable.Range(1, 3) from program in Enumerable.Range(1, 3) select Checkpoint(program, version)).ToList();

        checkpoints.ForEach(c => run.Uploader.Add(c));
        await allFailed.Task.WaitAsync(WaitTimeout);
        Assert.Equal(9, run.Buffer.Count);
        up.SetResult();
        await acknowledged;

        Assert.Equal(0, run.Buffer.Count);
        Assert.Equal(0, run.Buffer.DroppedCount);
        Assert.All(checkpoints, c => Assert.Equal(RandomPayload(1000, HashCode.Combine(c.Key.ProgramId, c.Version)), cms.Stored(c.Key, c.Version)));
        foreach (var program in Enumerable.Range(1, 3))
        {
            Assert.Equal([1L, 2L, 3L], run.AcknowledgedVersions.Where(a => a.ProgramId == program).Select(a => a.Version));
        }
    }

    [Fact]
    public async Task RunAsync_OneProgramNeverSucceeds_OtherProgramsProgress()
    {
        var cms = new FakeCms();
        cms.Handler = offer => offer.Key.ProgramId == 1 ? throw new SiloUnavailableException() : cms.AcceptAsync(offer);
        await using var run = new UploaderRun(cms, FastOptions(maxConcurrentOffers: 1));
        var acknowledged = run.WaitForAcknowledgements(4);

        run.Uploader.Add(Checkpoint(1, 1));
        foreach (var version in Enumerable.Range(1, 4))
        {
            run.Uploader.Add(Checkpoint(2, version));
        }

        await acknowledged;
        Assert.Equal([1L, 2L, 3L, 4L], run.AcknowledgedVersions.Select(a => a.Version));
        Assert.True(run.Buffer.Contains(Key(1), 1));
    }

    [Fact]
    public async Task RunAsync_SeveralVersionsBuffered_OffersThemInVersionOrder()
    {
        var cms = new FakeCms();
        var buffer = new CheckpointBuffer(maxBytes: 1 << 20);
        foreach (var version in new[] { 3L, 1L, 5L, 2L, 4L })
        {
            buffer.Add(Checkpoint(1, version));
        }

        await using var run = new UploaderRun(cms, buffer: buffer);
        await run.WaitForAcknowledgements(5);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], cms.Offers.Select(o => o.Manifest.Version));
    }

    [Fact]
    public async Task RunAsync_ManyPrograms_OffersAtMostTheConfiguredNumberAtOnce()
    {
        var cms = new FakeCms();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fourWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.Handler = async offer =>
        {
            if (cms.Offers.Count == 4)
            {
                fourWaiting.TrySetResult();
            }

            await gate.Task;
            return await cms.AcceptAsync(offer);
        };
        await using var run = new UploaderRun(cms, FastOptions(maxConcurrentOffers: 4));
        var acknowledged = run.WaitForAcknowledgements(10);

        foreach (var program in Enumerable.Range(1, 10))
        {
            run.Uploader.Add(Checkpoint(program, 1));
        }

        await fourWaiting.Task.WaitAsync(WaitTimeout);
        gate.SetResult();
        await acknowledged;
        Assert.Equal(4, cms.MaxInFlight);
    }

    [Fact]
    public async Task RunAsync_VersionDroppedWhileCmsIsDown_StopsOfferingItAndSendsTheNewerOne()
    {
        var cms = new FakeCms();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstFailure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.Handler = offer =>
        {
            if (up.Task.IsCompleted)
            {
                return cms.AcceptAsync(offer);
            }

            firstFailure.TrySetResult();
            throw new SiloUnavailableException();
        };
        var buffer = new CheckpointBuffer(new IngestClientOptions { MaxVersionsPerProgram = 1 });
        await using var run = new UploaderRun(cms, buffer: buffer);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));
        await firstFailure.Task.WaitAsync(WaitTimeout);
        run.Uploader.Add(Checkpoint(1, 2));
        up.SetResult();
        await acknowledged;

        Assert.Equal([(1, 2L)], run.AcknowledgedVersions);
        Assert.Null(cms.Stored(Key(1), 1));
        Assert.Equal(1, buffer.DroppedCount);
        Assert.Equal(0, run.Uploader.RejectedCount);
    }

    [Fact]
    public async Task RunAsync_VersionDroppedWhileCmsPulls_NeitherRetriedNorCountedAsRejected()
    {
        var cms = new FakeCms();
        var offered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.Handler = async offer =>
        {
            if (offer.Manifest.Version == 1)
            {
                offered.TrySetResult();
                await dropped.Task;
            }

            return await cms.AcceptAsync(offer);
        };
        var buffer = new CheckpointBuffer(new IngestClientOptions { MaxVersionsPerProgram = 1 });
        await using var run = new UploaderRun(cms, buffer: buffer);
        var acknowledged = run.WaitForAcknowledgements(1);

        run.Uploader.Add(Checkpoint(1, 1));
        await offered.Task.WaitAsync(WaitTimeout);
        run.Uploader.Add(Checkpoint(1, 2));
        dropped.SetResult();
        await acknowledged;

        Assert.Equal([(1, 2L)], run.AcknowledgedVersions);
        Assert.Equal(1, cms.OffersOf(Key(1), 1));
        Assert.Equal(0, run.Uploader.RejectedCount);
        Assert.Equal(1, buffer.DroppedCount);
    }

    [Fact]
    public async Task RunAsync_ManyOffers_CreatesTheSourceReferenceOnceUntilReset()
    {
        var cms = new FakeCms();
        await using var run = new UploaderRun(cms);
        var first = run.WaitForAcknowledgements(3);
        foreach (var program in Enumerable.Range(1, 3))
        {
            run.Uploader.Add(Checkpoint(program, 1));
        }

        await first;
        Assert.Equal(1, run.ReferencesCreated);

        var second = run.WaitForAcknowledgements(4);
        run.Uploader.ResetSourceReference();
        run.Uploader.Add(Checkpoint(1, 2));
        await second;
        Assert.Equal(2, run.ReferencesCreated);
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAndKeepsUnacknowledgedCheckpoints()
    {
        var cms = new FakeCms();
        var offered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.Handler = _ =>
        {
            offered.TrySetResult();
            return new TaskCompletionSource<OfferResult>().Task;
        };
        var buffer = new CheckpointBuffer(maxBytes: 1 << 20);
        var uploader = new CheckpointUploader(buffer, cms.Grain, source => source, FastOptions());
        using var cancellation = new CancellationTokenSource();
        var running = uploader.RunAsync(cancellation.Token);

        uploader.Add(Checkpoint(1, 1));
        await offered.Task.WaitAsync(WaitTimeout);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(WaitTimeout));
        Assert.True(buffer.Contains(Key(1), 1));
    }

    /// <summary>An uploader running against a <see cref="FakeCms"/> until disposed.</summary>
    private sealed class UploaderRun : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private readonly ConcurrentQueue<(int ProgramId, long Version)> _acknowledged = new();
        private readonly Task _running;
        private int _referencesCreated;

        public UploaderRun(FakeCms cms, IngestClientOptions? options = null, CheckpointBuffer? buffer = null)
        {
            Buffer = buffer ?? new CheckpointBuffer(maxBytes: 1 << 20);
            Uploader = new CheckpointUploader(Buffer, cms.Grain, CreateReference, options ?? FastOptions());
            Uploader.Acknowledged += (key, version, _) => _acknowledged.Enqueue((key.ProgramId, version));
            _running = Uploader.RunAsync(_cancellation.Token);
        }

        public CheckpointBuffer Buffer { get; }

        public CheckpointUploader Uploader { get; }

        public IReadOnlyCollection<(int ProgramId, long Version)> AcknowledgedVersions => _acknowledged;

        public int ReferencesCreated => Volatile.Read(ref _referencesCreated);

        /// <summary>Completes once <paramref name="total"/> acknowledgements have been seen since the run started.</summary>
        public Task WaitForAcknowledgements(int total)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Uploader.Acknowledged += (_, _, _) =>
            {
                if (Uploader.AcknowledgedCount >= total)
                {
                    done.TrySetResult();
                }
            };
            if (Uploader.AcknowledgedCount >= total)
            {
                done.TrySetResult();
            }

            return done.Task.WaitAsync(WaitTimeout);
        }

        public async ValueTask DisposeAsync()
        {
            await _cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _running.WaitAsync(WaitTimeout));
            _cancellation.Dispose();
        }

        private IChunkSource CreateReference(IChunkSource source)
        {
            Interlocked.Increment(ref _referencesCreated);
            return source;
        }
    }
}
