using System.Net.Http.Json;
using System.Text.Json;
using OrleansCms.Checkpoints;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Api;

/// <summary>
/// <c>GET /api/programs</c> of a real silo process counts as running only the copies on alive ECUs, and shows the
/// copy of a failed ECU as lost until a restored copy runs in its place.
/// </summary>
[Trait("Speed", "Process")]
[Collection(SiloProcessCollection.Name)]
public sealed class ProgramsApiTests(SiloProcessFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private SiloProcessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task GetPrograms_DuringFailureRestoration_NeverTwoRunningAndTheFailedCopyLost()
    {
        await using var source = await FakeEcu.StartAsync(Cluster.Client);
        await using var target = await FakeEcu.StartAsync(Cluster.Client);
        var program = await source.AddProgramAsync("watched");
        var root = new CheckpointKey(source.Mac, program);
        await Cluster.StoreCheckpointAsync(root, TestCheckpoint.Create(TestCheckpoint.RandomPayload(50_000, seed: 3), version: 1, name: "watched"));
        // The target holds the restore command until the test has seen the lost copy, so that state is not missed.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        target.OnRestore = async command =>
        {
            await release.Task;
            return await target.RegisterProgramAsync(command);
        };

        var running = await ProgramAsync(root);
        Assert.Equal((1, 0, source.Mac, "Running"), (running.RunningCopies, running.LostCopies, running.RunningMac, running.StateOf(source.Mac)));

        (await Cluster.Http.PostAsJsonAsync($"/api/ecus/{source.Mac}/failure", new { reason = "test" })).EnsureSuccessStatusCode();
        var lost = await Eventually.ReturnsAsync(() => ProgramAsync(root), p => p.StateOf(source.Mac) == "Lost", Patience, "the failed ECU's copy is lost");
        Assert.Equal((0, 1, null), (lost.RunningCopies, lost.LostCopies, lost.RunningMac));
        Assert.Contains(lost.EcuStatusOf(source.Mac), new[] { "Failed", "Fenced" });

        release.SetResult();
        var seen = new List<ProgramView>();
        var deadline = DateTime.UtcNow + Patience;
        while (seen.LastOrDefault() is not { RunningMac: { } mac, LostCopies: 0 } || mac != target.Mac)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the restored copy did not take over: {string.Join(" | ", seen.TakeLast(5))}");
            var now = await ProgramAsync(root);
            seen.Add(now);
            Assert.True(now.RunningCopies <= 1, $"{now.RunningCopies} running copies: {now}");
            Assert.True(now.StateOf(source.Mac) is "Lost" or "Retired", $"the failed ECU's copy is {now.StateOf(source.Mac)}: {now}");
            // Lost until its replacement runs: once retired, the replacement runs.
            Assert.True(now.StateOf(source.Mac) == "Lost" || now.RunningMac == target.Mac, $"retired with no running replacement: {now}");
            Assert.True(now.RunningMac is null || now.RunningMac == target.Mac, $"runs on {now.RunningMac}: {now}");
            await Task.Delay(20);
        }

        var end = seen[^1];
        Assert.Equal((1, "Retired", "Running"), (end.RunningCopies, end.StateOf(source.Mac), end.StateOf(target.Mac)));
    }

    private async Task<ProgramView> ProgramAsync(CheckpointKey root)
    {
        var programs = await Cluster.Http.GetFromJsonAsync<JsonElement[]>("/api/programs") ?? [];
        var program = Assert.Single(programs, p => p.GetProperty("root").GetString() == root.ToString());
        return new ProgramView(program);
    }

    /// <summary>The fields of one logical program that the test reads.</summary>
    private sealed record ProgramView(JsonElement Json)
    {
        public int RunningCopies => Json.GetProperty("runningCopies").GetInt32();

        public int LostCopies => Json.GetProperty("lostCopies").GetInt32();

        public string? RunningMac => Json.GetProperty("runningCopy") is { ValueKind: JsonValueKind.Object } copy ? copy.GetProperty("mac").GetString() : null;

        public string? StateOf(string mac) => Copy(mac)?.GetProperty("state").GetString();

        public string? EcuStatusOf(string mac) => Copy(mac)?.GetProperty("ecuStatus").GetString();

        public override string ToString() => Json.GetRawText();

        private JsonElement? Copy(string mac) =>
            Json.GetProperty("lineage").EnumerateArray().Where(c => c.GetProperty("mac").GetString() == mac).Select(c => (JsonElement?)c).SingleOrDefault();
    }
}
