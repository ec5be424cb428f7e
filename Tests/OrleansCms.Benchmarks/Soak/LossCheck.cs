using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.SampleProgram;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// Whether acknowledged checkpoints survived. A version v of a program copy K (<c>mac/programId</c>) that an agent
/// saw acknowledged is <b>kept</b> when
/// <list type="bullet">
/// <item>K was restored (some catalogue entry names K as its origin) and every copy restored from K started from a
/// version ≥ v — the acknowledged state lives on in the successor; or</item>
/// <item>K was not restored and K's newest retained version is ≥ v (v itself, or a newer version of the same
/// program that superseded it under retention) — and, when <c>readBack</c>, that version (or the newest older one)
/// reads back with every chunk hash and the digest verified.</item>
/// </list>
/// Otherwise it is <b>lost</b>. Both conditions are monotone in v, so the lost versions of K are exactly those above
/// its kept version. A restoration still in flight makes no false loss: its copy K keeps its versions meanwhile.
/// </summary>
public static class LossCheck
{
    /// <summary>Returns the lost versions as "key vN" and a line per copy explaining why.</summary>
    public static async Task<(IReadOnlyList<string> Lost, IReadOnlyList<string> Details)> CheckAsync(
        IGrainFactory grains, IReadOnlyList<EcuView> views, IReadOnlyDictionary<string, IReadOnlyList<long>> acknowledged, bool readBack)
    {
        var restoredFrom = Successors(views).ToLookup(s => s.Origin.Source.ToString(), s => s.Origin.Version);
        var lost = new List<string>();
        var details = new List<string>();
        foreach (var (key, versions) in acknowledged)
        {
            var (kept, how) = restoredFrom[key].Any()
                ? (restoredFrom[key].Min(), "restored from")
                : readBack ? (await NewestReadableAsync(grains.GetGrain<ICheckpointGrain>(key)), "newest verified")
                : ((await grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync()).FirstOrDefault()?.Version ?? 0, "newest retained");
            var gone = versions.Where(v => v > kept).Order().ToList();
            if (gone.Count > 0)
            {
                lost.AddRange(gone.Select(v => $"{key} v{v}"));
                details.Add($"{key}: acknowledged up to v{versions.Max()}, {how} v{kept}: {gone.Count} acknowledged versions lost");
            }
        }

        return (lost, details);
    }

    /// <summary>Every restored copy: its key and the checkpoint it started from.</summary>
    public static IEnumerable<(string Key, ProgramOrigin Origin)> Successors(IEnumerable<EcuView> views) =>
        views.SelectMany(v => v.Catalogue.Where(e => e.Origin is not null).Select(e => (new CheckpointKey(v.Mac, e.ProgramId).ToString(), e.Origin!)));

    /// <summary>
    /// Whether a restored copy continued from exactly the checkpoint it was restored from: a checkpoint the copy took
    /// itself (version 2 on; version 1 is the restored bytes) says it was restored from that checkpoint's sample
    /// counter, and counts on from there. Null while the copy has not taken one of its own yet.
    /// </summary>
    public static async Task<(bool Continues, string Detail)?> ContinuesAsync(IGrainFactory grains, string key, ProgramOrigin origin)
    {
        SampleState now;
        for (var attempt = 1; ; attempt++)
        {
            var own = await grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync();
            if (own.Count == 0 || own[0].Version < 2)
            {
                return null;
            }

            try
            {
                now = await StateAsync(grains, key, own[0]);
                break;
            }
            catch (CheckpointRejectedException e) when (e.Reason is RejectReason.UnknownVersion && attempt < 3)
            {
                // The copy runs on: its newest version was pruned under the read; take the then-newest.
            }
        }

        var source = (await grains.GetGrain<ICheckpointGrain>(origin.Source.ToString()).GetVersionsAsync()).FirstOrDefault(m => m.Version == origin.Version);
        if (source is null)
        {
            return (false, $"{key}: its origin {origin.Source} v{origin.Version} is no longer retained");
        }

        var from = await StateAsync(grains, origin.Source.ToString(), source);
        return (now.RestoredFrom == from.Counter && now.Counter >= from.Counter,
            $"{key}: {origin.Source} v{origin.Version} had counter {from.Counter}; the copy says restored from {now.RestoredFrom}, now at {now.Counter}");
    }

    private static async Task<long> NewestReadableAsync(ICheckpointGrain grain)
    {
        // A running program's newest version may be pruned under the read; read the then-newest again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var payload = new MemoryStream();
                return (await NewestValidReader.ReadAsync(grain, payload)).Manifest.Version;
            }
            catch (CheckpointRejectedException e) when (e.Reason is RejectReason.UnknownProgram || attempt == 3)
            {
                return 0; // nothing stored, or nothing that verifies
            }
            catch (CheckpointRejectedException)
            {
            }
        }
    }

    private static async Task<SampleState> StateAsync(IGrainFactory grains, string key, CheckpointManifest manifest)
    {
        using var payload = new MemoryStream();
        return await CheckpointReader.TryReadVersionAsync(grains.GetGrain<ICheckpointGrain>(key), manifest, payload)
            ? SampleState.Parse(payload.GetBuffer().AsSpan(0, (int)payload.Length))
            : throw new InvalidDataException($"{key} v{manifest.Version} does not verify");
    }
}
