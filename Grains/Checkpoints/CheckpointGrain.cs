using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using OrleansCms.Security;
using OrleansCms.Standby;
using OrleansCms.Storage;
using OrleansCms.Telemetry;

namespace OrleansCms.Checkpoints;

/// <summary>
/// One program's checkpoints. The retained versions' manifests are grain state; their chunks live in the
/// <see cref="ChunkStore"/>. Offers of one program are processed one at a time (the grain is not reentrant).
/// A reminder, registered with the first checkpoint, releases the versions once they are needed no more (see
/// <see cref="CheckpointRelease"/>) and <see cref="IngestOptions.ReleaseAfter"/> has passed; the claim outlives them.
/// </summary>
public sealed class CheckpointGrain(
    [PersistentState("checkpoints", CmsStorageOptions.GrainStorageName)] IPersistentState<CheckpointState> state,
    ChunkStore store,
    IngestBudget budget,
    StandbyBudget standbyBudget,
    IOptions<StandbyOptions> standbyOptions,
    EcuQuota quota,
    IOptions<IngestOptions> options,
    IOptions<ReminderOptions> reminders,
    TimeProvider clock,
    DeepCopier<CheckpointState> copier,
    CmsMetrics metrics,
    ILogger<CheckpointGrain> logger) : Grain, ICheckpointGrain, IRemindable
{
    private const string ReleaseReminder = "release";

    // An upload whose references are older than this and that never committed was abandoned by its agent.
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    // Chunks per granted read: a few MiB per call at the usual chunk sizes, so a restore reads in few round trips.
    private const int MaxReadBatch = CheckpointReader.GrantedBatch;

    private readonly IngestOptions _limits = options.Value;

    // In memory: a new activation starts with a full bucket, which the limit allows anyway.
    private readonly VersionRate _rate = new(options.Value.MaxVersionsPerSecond, options.Value.VersionBurst, clock);
    private CheckpointState _persisted = null!;
    private CancellationTokenSource? _upload;
    private StandbyFeed? _standby;
    private bool _releaseChecksRegistered;

    // Whether the offer under way has set the ECU's count to what the state lists (its commit does, with its release).
    private bool _quotaSettled;

    private List<CheckpointManifest> Versions => state.State.Versions;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _persisted = copier.Copy(state.State);
        return Task.CompletedTask;
    }

    public Task<OfferResult> OfferAsync(CheckpointManifest manifest, IChunkSource source) => OfferAsync(manifest, attached: null, source);

    public Task<OfferResult> OfferAttachedAsync(CheckpointManifest manifest, IReadOnlyList<ChunkData> attached, IChunkSource source) =>
        OfferAsync(manifest, attached ?? [], source);

    private async Task<OfferResult> OfferAsync(CheckpointManifest manifest, IReadOnlyList<ChunkData>? attached, IChunkSource source)
    {
        var started = Stopwatch.GetTimestamp();
        var key = Key();
        Dictionary<string, ChunkData>? attachedByHash;
        try
        {
            ManifestValidator.Validate(manifest, _limits);
            attachedByHash = OfferTransfer.Attached(key, manifest, attached, _limits, logger);
            if (state.State.Claimant is { } claimant)
            {
                throw new CheckpointRejectedException(RejectReason.Retired, $"{key} was claimed by {claimant}; it accepts no further checkpoint.");
            }

            if (state.State.ReleasedAt is { } released)
            {
                throw new CheckpointRejectedException(RejectReason.Released, $"the checkpoints of {key} were released at {released:O}; it accepts no further checkpoint.");
            }

            if (Versions.Find(v => v.Version == manifest.Version) is { } stored)
            {
                return stored.Sha256 == manifest.Sha256 && stored.Digest == manifest.Digest
                    ? new OfferResult(OfferStatus.Acknowledged, manifest.Version, 0, 0, TimeSpan.Zero)
                    : throw new CheckpointRejectedException(RejectReason.StaleVersion, $"version {manifest.Version} is already stored with other content.");
            }

            if (Versions.Count > 0 && manifest.Version <= Versions[0].Version)
            {
                throw new CheckpointRejectedException(RejectReason.StaleVersion, $"version {manifest.Version} is not newer than the stored version {Versions[0].Version}.");
            }

            if (source is null)
            {
                throw new CheckpointRejectedException(RejectReason.SourceUnavailable, "the offer names no chunk source.");
            }
        }
        catch (CheckpointRejectedException e)
        {
            logger.CheckpointRejected(key, manifest?.Version ?? 0, e.Message);
            throw;
        }

        // Every new version that passed validation takes a token, whatever becomes of it.
        if (!_rate.TryTake(out var retryAfter))
        {
            logger.OfferRateLimited(key, manifest.Version, retryAfter.TotalMilliseconds);
            return new OfferResult(OfferStatus.RateLimited, manifest.Version, 0, 0, retryAfter);
        }

        // The quota's charge and the reservation of the version's chunks: one round trip, and nothing reserved when refused.
        var checkpointKey = CheckpointKey.Parse(key);
        var charged = EcuQuota.Charge(Versions, manifest, _limits.RetainedVersions);
        var reservation = await store.ReserveAsync(key, manifest.Version, [.. manifest.Chunks.Select(c => c.Sha256)],
            quota.ChargeCommand(checkpointKey, charged), charged);
        if (!reservation.Granted)
        {
            var refusal = quota.Refusal(checkpointKey, manifest.Version, reservation.Used, reservation.Wanted);
            logger.CheckpointRejected(key, manifest.Version, refusal.Message);
            throw refusal;
        }

        _quotaSettled = false;
        try
        {
            return await UploadAsync(key, manifest, source, attachedByHash, reservation.Missing, started);
        }
        finally
        {
            // Stored or not, the ECU's count follows what the state lists now (a commit settles it with its release).
            if (!_quotaSettled)
            {
                await SettleQuotaAsync(checkpointKey);
            }
        }
    }

    /// <summary>Stores the chunks of an admitted, reserved version (<see cref="OfferTransfer"/>), then commits it (see <see cref="ICheckpointAgentGrain.OfferAsync"/>).</summary>
    private async Task<OfferResult> UploadAsync(
        string key, CheckpointManifest manifest, IChunkSource source, Dictionary<string, ChunkData>? attached, HashSet<string> missing, long started)
    {
        // The standby is read at each store: one assigned while the offer runs gets its chunks too.
        var transfer = new OfferTransfer(CheckpointKey.Parse(key), manifest, source, attached, store, budget, _limits, logger, chunks => _standby?.Remember(chunks));
        bool transferred;
        var upload = _upload = new CancellationTokenSource();
        try
        {
            transferred = await transfer.RunAsync(missing, upload.Token);
        }
        catch (CheckpointRejectedException e)
        {
            logger.CheckpointRejected(key, manifest.Version, e.Message);
            await store.ReleaseVersionAsync(key, manifest.Version);
            throw;
        }
        catch (OperationCanceledException) when (upload.IsCancellationRequested)
        {
            await store.ReleaseVersionAsync(key, manifest.Version);
            throw new CheckpointRejectedException(RejectReason.SourceUnavailable, $"the upload of {key} v{manifest.Version} was abandoned: its agent is dead.");
        }
        catch (TimeoutException)
        {
            // Transient for the agent, which offers again if it lives; a dead one leaves no references behind.
            logger.PullTimedOut(key, manifest.Version, _limits.PullTimeout.TotalMilliseconds);
            await store.ReleaseVersionAsync(key, manifest.Version);
            throw;
        }
        catch (Exception e) when (e is not OrleansException)
        {
            // The agent's chunk source failed (its own error comes back to it): the version keeps no references either.
            // A transport failure (a silo or the agent's gateway died) keeps them: the agent's retry reuses what was stored.
            logger.OfferFailed(key, manifest.Version, e.Message);
            await store.ReleaseVersionAsync(key, manifest.Version);
            throw;
        }
        finally
        {
            _upload = null;
            upload.Dispose();
        }

        if (!transferred)
        {
            return new OfferResult(OfferStatus.Busy, manifest.Version, 0, 0, BusyRetryAfter);
        }

        await CommitAsync(key, manifest);
        metrics.CheckpointAcknowledged(manifest.TotalSize, transfer.Bytes, Stopwatch.GetElapsedTime(started));
        logger.CheckpointStored(key, manifest.Version, manifest.TotalSize, transfer.Chunks, manifest.Chunks.Length, transfer.Bytes);
        return new OfferResult(OfferStatus.Acknowledged, manifest.Version, transfer.Chunks, transfer.Bytes, TimeSpan.Zero);
    }

    public async Task<ClaimResult> ClaimAsync(string claimant)
    {
        var key = Key(); // a malformed key is refused before a claim is stored under it
        ArgumentException.ThrowIfNullOrWhiteSpace(claimant);
        if (state.State.Claimant is null && state.State.ReleasedAt is { } released)
        {
            // The program ended unclaimed and its checkpoints are gone: nothing may be restored, not even from its declaration.
            return new ClaimResult(false, $"released at {released:O}", []);
        }

        if (state.State.Claimant is null)
        {
            state.State.Claimant = claimant;
            state.State.SettledAt = null; // from now on the claimant decides when the checkpoints are needed no more
            await WriteAsync(); // a claim that is not stored is not granted
            _standby?.Stop();

            logger.CheckpointClaimed(key, claimant, Versions.Count > 0 ? Versions[0].Version : 0);
            await EnsureReleaseChecksAsync(key);
        }

        var granted = state.State.Claimant == claimant;
        return new ClaimResult(granted, state.State.Claimant, granted ? [.. Versions] : []);
    }

    public async Task AbandonUploadAsync(string reason)
    {
        // _upload is cleared before its source is disposed, so this never cancels a disposed one.
        if (_upload is { IsCancellationRequested: false } upload)
        {
            logger.UploadAbandoned(Key(), reason);
            await upload.CancelAsync();
        }
    }

    public Task SetStandbyAsync(string? mac)
    {
        // A claimed program is being restored: its standby has what it needs, or the restoration reads from the store.
        if (state.State.Claimant is null && state.State.ReleasedAt is null && (mac is not null || _standby is not null))
        {
            _standby ??= new StandbyFeed(CheckpointKey.Parse(Key()), GrainFactory, store, budget, standbyBudget, standbyOptions.Value, logger);
            _standby.SetTarget(MacAddress.TryNormalize(mac, out var target) ? target : null, Versions.FirstOrDefault());
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CheckpointManifest>> GetVersionsAsync() =>
        Task.FromResult<IReadOnlyList<CheckpointManifest>>([.. Versions]);

    public Task<CheckpointStatus> GetStatusAsync() => Task.FromResult(new CheckpointStatus(
        [.. Versions], state.State.Claimant, state.State.SettledAt + _limits.ReleaseAfter, state.State.ReleasedAt,
        _standby?.Target, _standby?.WarmVersion ?? 0));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReleaseReminder)
        {
            return;
        }

        var key = Key();
        if (state.State.ReleasedAt is null && Versions.Count > 0)
        {
            if (!await MayReleaseAsync(key))
            {
                return;
            }

            await ReleaseVersionsAsync(key);
        }

        if (state.State.ReleasedAt is not null)
        {
            // Repeated on the next tick when the silo died between the state write and this one; dropping nothing is harmless.
            await store.ReleaseCheckpointAsync(key);
            await quota.SettleAsync(CheckpointKey.Parse(key), 0);
        }

        if (await this.GetReminder(ReleaseReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async IAsyncEnumerable<ChunkData> ReadChunksAsync(long version)
    {
        var manifest = RetainedVersion(version);
        await using var chunks = store.ReadAsync([.. manifest.Chunks.Select(c => c.Sha256)]).GetAsyncEnumerator();
        while (true)
        {
            // Each step of the stream is a call of its own, so offers run in between: a newer checkpoint may prune
            // this version, and the collector delete its chunks, while a reader is half-way through it.
            try
            {
                if (!await chunks.MoveNextAsync())
                {
                    break;
                }
            }
            catch (InvalidOperationException) when (!Versions.Exists(v => v.Version == version))
            {
                throw new CheckpointRejectedException(RejectReason.UnknownVersion, $"{Key()} v{version} was pruned while it was read.");
            }

            yield return chunks.Current;
        }
    }

    public async Task<IReadOnlyList<ChunkData>> ReadGrantedAsync(ReadGrant grant, int first, int count)
    {
        var key = Key();
        if (grant.Source.ToString() != key)
        {
            throw new CheckpointRejectedException(RejectReason.NotGranted, $"the read grant is for {grant.Source}, not {key}.");
        }

        var manifest = RetainedVersion(grant.Version);
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, manifest.Chunks.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var hashes = manifest.Chunks.Skip(first).Take(Math.Min(count, MaxReadBatch)).Select(c => c.Sha256).ToList();
        var chunks = new List<ChunkData>(hashes.Count);
        try
        {
            await foreach (var chunk in store.ReadAsync(hashes))
            {
                chunks.Add(chunk);
            }
        }
        catch (InvalidOperationException) when (!Versions.Exists(v => v.Version == grant.Version))
        {
            throw new CheckpointRejectedException(RejectReason.UnknownVersion, $"{key} v{grant.Version} was pruned while it was read.");
        }

        return chunks;
    }

    private async Task CommitAsync(string key, CheckpointManifest manifest)
    {
        Versions.Insert(0, manifest);
        var pruned = Versions.Skip(_limits.RetainedVersions).ToList();
        Versions.RemoveRange(Math.Min(_limits.RetainedVersions, Versions.Count), pruned.Count);
        await WriteAsync(); // a version that is not stored is not acknowledged, now or on the agent's retry
        _standby?.Committed(manifest);

        // Unshared chunks of pruned versions are deleted later by the ChunkCollector, off this path.
        await store.ReleaseAsync(key, [.. Versions.Select(v => v.Version)], manifest.Version, AbandonedAfter,
            EcuQuota.SettleCommand(CheckpointKey.Parse(key), EcuQuota.Held(Versions)));
        _quotaSettled = true;
        if (pruned.Count > 0)
        {
            logger.VersionsPruned(key, string.Join(",", pruned.Select(p => p.Version)));
        }

        await EnsureReleaseChecksAsync(key);
    }

    /// <summary>
    /// Registers the reminder that releases the versions once they are needed no more; a reminder survives the
    /// activation and its silo. A failed registration is tried again at the next commit or claim.
    /// </summary>
    private async Task EnsureReleaseChecksAsync(string key)
    {
        if (_releaseChecksRegistered || Versions.Count == 0)
        {
            return;
        }

        try
        {
            var period = _limits.ReleaseCheckInterval < reminders.Value.MinimumReminderPeriod ? reminders.Value.MinimumReminderPeriod : _limits.ReleaseCheckInterval;
            await this.RegisterOrUpdateReminder(ReleaseReminder, period, period);
            _releaseChecksRegistered = true;
        }
        catch (Exception e)
        {
            logger.ReleaseChecksNotRegistered(key, e.Message);
        }
    }

    /// <summary>Whether the versions are needed no more and the retention window since then has passed; persists when they stopped being needed.</summary>
    private async Task<bool> MayReleaseAsync(string key)
    {
        var checkpointKey = CheckpointKey.Parse(key);
        var release = new CheckpointRelease(GrainFactory);
        var now = clock.GetUtcNow();
        if (state.State.SettledAt is null)
        {
            if (await release.SettledAtAsync(checkpointKey, state.State.Claimant, now) is not { } settled)
            {
                return false;
            }

            // Kept, so that the window still counts from here once the ECU's catalogue has trimmed the ended entry.
            state.State.SettledAt = settled;
            await WriteAsync();
        }

        return now >= state.State.SettledAt + _limits.ReleaseAfter
            && (state.State.Claimant is not { } claimant || await release.NoCopyDependsAsync(checkpointKey, claimant));
    }

    /// <summary>Drops the versions' manifests (persisted first, so no read is answered from chunks that may be collected), then their chunk references.</summary>
    private async Task ReleaseVersionsAsync(string key)
    {
        var versions = string.Join(",", Versions.Select(v => v.Version));
        Versions.Clear();
        state.State.ReleasedAt = clock.GetUtcNow();
        await WriteAsync();
        logger.CheckpointsReleased(key, versions, state.State.Claimant ?? "nobody", state.State.SettledAt);
    }

    /// <summary>Sets the ECU's count of this program to its retained versions; when that fails, the count stays higher until the next offer.</summary>
    private async Task SettleQuotaAsync(CheckpointKey key)
    {
        try
        {
            await quota.SettleAsync(key, EcuQuota.Held(Versions));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.QuotaNotSettled(key.ToString(), e.Message);
        }
    }

    /// <summary>Persists the state; a failed write puts back the last stored state (see <see cref="StateWrites"/>).</summary>
    private async Task WriteAsync() => _persisted = await state.WriteOrRevertAsync(_persisted, copier, DeactivateOnIdle);

    /// <summary>A retained version, or the rejection that says why there is none.</summary>
    private CheckpointManifest RetainedVersion(long version)
    {
        if (state.State.ReleasedAt is { } released)
        {
            throw new CheckpointRejectedException(RejectReason.Released, $"the checkpoints of {Key()} were released at {released:O}.");
        }

        if (Versions.Count == 0)
        {
            throw new CheckpointRejectedException(RejectReason.UnknownProgram, $"no checkpoint is stored for {Key()}.");
        }

        return Versions.Find(v => v.Version == version)
            ?? throw new CheckpointRejectedException(RejectReason.UnknownVersion, $"{Key()} has no retained version {version}.");
    }

    private string Key()
    {
        var key = this.GetPrimaryKeyString();
        var parsed = CheckpointKey.Parse(key);
        return parsed.ToString() == key
            ? key
            : throw new CheckpointRejectedException(RejectReason.MalformedMac, $"grain key '{key}' is not canonical; use {parsed}.");
    }
}
