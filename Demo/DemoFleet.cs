using System.Net.Http.Json;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Fleet;
using OrleansCms.Restoration;
using OrleansCms.SampleProgram;

namespace OrleansCms.Demo;

/// <summary>What the demo reads off the running system: through the HTTP API where a user would, else the grains.</summary>
public sealed class DemoFleet(IClusterClient grains, HttpClient http)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public IClusterClient Grains => grains;

    public HttpClient Http => http;

    public Task<EcuView> EcuAsync(string mac) => Grains.GetGrain<IEcuGrain>(mac).GetAsync();

    /// <summary>
    /// Polls <paramref name="probe"/> until <paramref name="accept"/> holds; throws with <paramref name="what"/> on timeout.
    /// A probe that fails (its grain's silo was just killed) is asked again.
    /// </summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (true)
        {
            try
            {
                var value = await probe();
                if (accept(value))
                {
                    return value;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && DateTime.UtcNow <= deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Whether <paramref name="accept"/> comes to hold within <paramref name="patience"/> (see <see cref="WaitAsync"/>).</summary>
    public static async Task<bool> HoldsWithinAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, TimeSpan patience)
    {
        try
        {
            await WaitAsync(probe, accept, "a condition that may not hold", patience);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public Task<RestorationView> FinishedAsync(string id) =>
        WaitAsync(() => Grains.GetGrain<IRestorationGrain>(id).GetAsync()!, v => v?.FinishedAt is not null, $"restoration {id} finished")!;

    /// <summary>The sample program's counter header in one stored version.</summary>
    public async Task<SampleState> StateAsync(string key, long version)
    {
        var grain = Grains.GetGrain<ICheckpointGrain>(key);
        var manifest = (await grain.GetVersionsAsync()).Single(v => v.Version == version);
        using var payload = new MemoryStream();
        return await CheckpointReader.TryReadVersionAsync(grain, manifest, payload)
            ? SampleState.Parse(payload.ToArray())
            : throw new InvalidDataException($"{key} v{version} fails verification");
    }

    /// <summary>
    /// Whether a restored copy continued from exactly the restored checkpoint: its own next checkpoint says it
    /// was restored from that checkpoint's counter, and counts on from there.
    /// </summary>
    public async Task<(bool Continues, string Detail)> ContinuesAsync(RestorationItem item)
    {
        var restored = await StateAsync(item.ReadFrom!, item.Version!.Value);
        var key = new CheckpointKey(item.TargetMac!, item.NewProgramId!.Value).ToString();
        var versions = await WaitAsync(() => Grains.GetGrain<ICheckpointGrain>(key).GetVersionsAsync(),
            v => v.Count > 0 && v[0].Version >= 2, $"{key} took a checkpoint of its own");
        var own = await StateAsync(key, versions[0].Version);
        return (own.RestoredFrom == restored.Counter && own.Counter >= restored.Counter,
            $"{item.Name}: checkpointed at {restored.Counter}, copy restored from {own.RestoredFrom}, now at {own.Counter}");
    }

    /// <summary>Every logical program and how many copies of it run (GET /api/programs).</summary>
    public async Task<IReadOnlyList<ProgramRow>> ProgramsAsync() =>
        await http.GetFromJsonAsync<List<ProgramRow>>("api/programs") ?? [];

    /// <summary>Child processes (programs) of each live agent, counted from /proc.</summary>
    public static int ProgramProcesses(IEnumerable<FleetMember> agents) =>
        agents.Where(a => a.Process is { HasExited: false }).Sum(a => a.ChildPids().Count);
}
