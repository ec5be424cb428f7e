using Microsoft.Extensions.Logging;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Storage;

namespace OrleansCms.Standby;

/// <summary>
/// Keeps one program's standby warm, for its checkpoint grain: after each acknowledged version it sends the
/// standby's agent the chunks the standby lacks, those just pulled from memory and the others read from the store,
/// then the manifest; the agent answers what it still lacks, which is sent once more. Runs after the acknowledgement,
/// one send at a time (a newer version than the one being sent is sent next; versions in between are skipped), within
/// the silo's <see cref="StandbyBudget"/> and only while the silo ingests nothing (a send put off is caught up by the next). What the standby holds is known only from its answers, so a standby that
/// restarted, missed a version or was just chosen is brought up to date by the next send.
/// </summary>
/// <remarks>Every member runs on the grain's scheduler (the feed is started from grain turns and awaits there).</remarks>
internal sealed class StandbyFeed(
    CheckpointKey key, IGrainFactory grains, ChunkStore store, IngestBudget ingest, StandbyBudget budget, StandbyOptions options, ILogger logger)
{
    // Pulled chunks kept for the next send, at most this many bytes; the rest are read from the store.
    private const long MaxRememberedBytes = 64L << 20;

    private readonly Dictionary<string, ChunkData> _fresh = new(StringComparer.Ordinal);
    private HashSet<string> _held = new(StringComparer.Ordinal);
    private long _freshBytes;
    private long _sentVersion;
    private CheckpointManifest? _newest;
    private Task? _sending;

    /// <summary>The ECU that keeps this program warm, or null.</summary>
    public string? Target { get; private set; }

    /// <summary>The newest version <see cref="Target"/> confirmed it holds complete (0: none yet).</summary>
    public long WarmVersion { get; private set; }

    /// <summary>Sets the standby; a new one starts empty and is sent the newest version now, the old one forgets it.</summary>
    public void SetTarget(string? mac, CheckpointManifest? newest)
    {
        if (string.Equals(mac, Target, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (Target is { } old)
        {
            DropAsync(old).Ignore();
        }

        Target = mac;
        WarmVersion = 0;
        _held = new HashSet<string>(StringComparer.Ordinal);
        _sentVersion = 0;
        ClearFresh();
        if (newest is not null)
        {
            Committed(newest);
        }
    }

    /// <summary>Keeps chunks just pulled for an offer, for the send after it is acknowledged.</summary>
    public void Remember(IEnumerable<ChunkData> chunks)
    {
        if (Target is null)
        {
            return;
        }

        foreach (var chunk in chunks)
        {
            if (_freshBytes + chunk.Data.Length <= MaxRememberedBytes && _fresh.TryAdd(chunk.Sha256, chunk))
            {
                _freshBytes += chunk.Data.Length;
            }
        }
    }

    /// <summary>A version was acknowledged: sends it to the standby, now or after the send under way.</summary>
    public void Committed(CheckpointManifest manifest)
    {
        _newest = manifest;
        if (Target is not null && _sending is null or { IsCompleted: true })
        {
            _sending = SendNewestAsync();
        }
    }

    /// <summary>The program was claimed for a restoration: nothing more is sent.</summary>
    public void Stop()
    {
        Target = null;
        WarmVersion = 0;
        _newest = null;
        ClearFresh();
    }

    private async Task SendNewestAsync()
    {
        while (Target is { } target && _newest is { } manifest && manifest.Version > _sentVersion)
        {
            _sentVersion = manifest.Version;
            try
            {
                await SendAsync(target, manifest);
            }
            catch (Exception e)
            {
                // The standby's agent or its silo is away: the next version tries again from scratch.
                _held = new HashSet<string>(StringComparer.Ordinal);
                logger.StandbyNotSent(key.ToString(), target, manifest.Version, e.Message);
            }
            finally
            {
                Forget(manifest);
            }
        }

        ClearFresh(); // nothing waits to be sent
    }

    private async Task SendAsync(string target, CheckpointManifest manifest)
    {
        if (await grains.GetGrain<IEcuGrain>(target).GetAgentAsync() is not { } agent)
        {
            _held = new HashSet<string>(StringComparer.Ordinal);
            return;
        }

        var lacking = manifest.Chunks.Select(c => c.Sha256).Distinct(StringComparer.Ordinal).Where(h => !_held.Contains(h)).ToList();
        for (var round = 0; round < 2; round++)
        {
            if (await SendChunksAsync(target, agent, manifest, lacking) is not { } answer)
            {
                return; // no budget now: the next version sends what the standby lacks then
            }

            if (!string.Equals(Target, target, StringComparison.OrdinalIgnoreCase))
            {
                return; // the standby moved (or the program was claimed) meanwhile: this answer is not the new one's
            }

            if (!answer.Kept)
            {
                logger.StandbyRefused(key.ToString(), target);
                Target = null;
                WarmVersion = 0;
                return;
            }

            var missing = answer.Missing.ToHashSet(StringComparer.Ordinal);
            _held = manifest.Chunks.Select(c => c.Sha256).Where(h => !missing.Contains(h)).ToHashSet(StringComparer.Ordinal);
            if (missing.Count == 0)
            {
                WarmVersion = manifest.Version;
                return;
            }

            lacking = [.. missing];
        }
    }

    /// <summary>Sends <paramref name="hashes"/> in batches, the manifest with the last; null when the budget had no room.</summary>
    private async Task<StandbyAnswer?> SendChunksAsync(string target, IEcuAgent agent, CheckpointManifest manifest, List<string> hashes)
    {
        var lengths = manifest.Chunks.GroupBy(c => c.Sha256).ToDictionary(g => g.Key, g => (long)g.First().Length);
        var batches = Batches(hashes, lengths);
        StandbyAnswer? answer = null;
        for (var i = 0; i < batches.Count; i++)
        {
            // Standby traffic yields to ingest: it waits for a moment when this silo pulls no checkpoint at all.
            using var lease = ingest.InFlightBytes > 0 ? null : await budget.Bytes.TryAcquireAsync(batches[i].Sum(h => lengths[h]), TimeSpan.Zero);
            if (lease is null)
            {
                return null;
            }

            var chunks = batches[i].Where(_fresh.ContainsKey).Select(h => _fresh[h]).ToList();
            var unread = batches[i].Where(h => !_fresh.ContainsKey(h)).ToList();
            if (unread.Count > 0)
            {
                await foreach (var chunk in store.ReadAsync(unread))
                {
                    chunks.Add(chunk);
                }
            }

            var last = i == batches.Count - 1;
            answer = await agent.KeepStandbyAsync(new StandbyUpdate(key, chunks, last ? manifest : null)).WaitAsync(options.SendTimeout);
            if (!answer.Kept)
            {
                return answer;
            }

            // Kept until a manifest without them arrives: a send cut short by the budget is not repeated next time.
            if (string.Equals(Target, target, StringComparison.OrdinalIgnoreCase))
            {
                _held.UnionWith(batches[i]);
            }
        }

        return answer;
    }

    /// <summary>The hashes in batches of about <see cref="StandbyOptions.BatchBytes"/>; one empty batch when there are none (the manifest still goes).</summary>
    private List<List<string>> Batches(List<string> hashes, Dictionary<string, long> lengths)
    {
        var batches = new List<List<string>> { new() };
        long bytes = 0;
        foreach (var hash in hashes)
        {
            if (batches[^1].Count > 0 && bytes + lengths[hash] > options.BatchBytes)
            {
                batches.Add([]);
                bytes = 0;
            }

            batches[^1].Add(hash);
            bytes += lengths[hash];
        }

        return batches;
    }

    private async Task DropAsync(string mac)
    {
        if (await grains.GetGrain<IEcuGrain>(mac).GetAgentAsync() is { } agent)
        {
            await agent.DropStandbyAsync(key).WaitAsync(options.SendTimeout);
        }
    }

    private void Forget(CheckpointManifest sent)
    {
        foreach (var chunk in sent.Chunks)
        {
            if (_fresh.Remove(chunk.Sha256, out var removed))
            {
                _freshBytes -= removed.Data.Length;
            }
        }
    }

    private void ClearFresh()
    {
        _fresh.Clear();
        _freshBytes = 0;
    }
}
