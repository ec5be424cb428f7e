using System.Diagnostics;
using Npgsql;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>Failure detection by lease (default 2 s, checked every 200 ms) on the two-silo cluster.</summary>
[Collection(EcuClusterCollection.Name)]
public sealed class EcuLivenessTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Lease = new LivenessOptions().Lease;
    private static readonly EcuRegistration Registration = new("test-ecu", 512L << 20, 2);
    private static readonly EcuHeartbeat Beat = new(new EcuMetrics(0.25, 100L << 20, 512L << 20), []);

    [Fact]
    public async Task Heartbeats_Stop_DeclaredFailedWithinLeasePlusOneSecond()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        Assert.Equal(EcuStatus.Alive, (await ecu.RegisterAsync(Registration)).Status);
        await ecu.HeartbeatAsync(Beat);
        var lastBeat = Stopwatch.StartNew();

        await Eventually.ReturnsAsync(() => ecu.GetAsync(), v => v.Status == EcuStatus.Failed, TimeSpan.FromSeconds(30), "the ECU is declared failed");

        Assert.True(lastBeat.Elapsed <= Lease + TimeSpan.FromSeconds(1), $"declared failed {lastBeat.Elapsed.TotalMilliseconds:0} ms after the last heartbeat");
        var view = await ecu.GetAsync();
        Assert.Equal(1, view.FailureEpoch);
        Assert.StartsWith("lease expired", view.FailureReason);
        await Eventually.TrueAsync(async () => !(await fixture.Grains.GetGrain<IFleetGrain>(0).ListAsync()).Contains(view.Mac),
            TimeSpan.FromSeconds(10), "the fleet registry forgets the failed ECU");
    }

    [Fact]
    public async Task Heartbeats_Stop_SuspectFromHalfTheLease_ThenFailed_AndAHeartbeatClearsIt()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        var lastBeat = Stopwatch.StartNew(); // started before the grain takes the heartbeat: never ahead of its clock
        await ecu.HeartbeatAsync(Beat);
        Assert.False((await ecu.GetAsync()).Suspect);

        var suspect = await Eventually.ReturnsAsync(() => ecu.GetAsync(), v => v.Suspect || v.Status != EcuStatus.Alive, TimeSpan.FromSeconds(30), "the ECU turns suspect");

        Assert.Equal(EcuStatus.Alive, suspect.Status);
        Assert.True(lastBeat.Elapsed > Lease / 2, $"suspect {lastBeat.Elapsed.TotalMilliseconds:0} ms after the last heartbeat");
        Assert.Equal(EcuStatus.Alive, (await ecu.HeartbeatAsync(Beat)).Status);
        Assert.False((await ecu.GetAsync()).Suspect);

        var failed = await Eventually.ReturnsAsync(() => ecu.GetAsync(), v => v.Status == EcuStatus.Failed, TimeSpan.FromSeconds(30), "the ECU is declared failed");
        Assert.False(failed.Suspect);
    }

    [Fact]
    public async Task Heartbeat_EcuNeverRegistered_AnsweredUnknownAndNothingRecorded()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());

        var reply = await ecu.HeartbeatAsync(Beat);

        Assert.Equal(EcuStatus.Unknown, reply.Status);
        Assert.False(reply.NeedsAgent);
        var view = await ecu.GetAsync();
        Assert.Equal(EcuStatus.Unknown, view.Status);
        Assert.Null(view.Metrics);
        Assert.Empty(view.Window);
        Assert.Equal(EcuStatus.Alive, (await ecu.RegisterAsync(Registration)).Status);
    }

    [Fact]
    public async Task Heartbeats_LateButWithinLease_NeverDeclaredFailed()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        var late = Lease / 2; // twice the normal 500 ms interval, still well inside the lease
        var clock = Stopwatch.StartNew();
        var previousSent = clock.Elapsed;
        await ecu.HeartbeatAsync(Beat);

        for (var beat = 1; beat < 6; beat++)
        {
            await Task.Delay(late);
            var sent = clock.Elapsed;
            var reply = await ecu.HeartbeatAsync(Beat);
            // The grain took the previous beat after it was sent and this one before its reply came back: the
            // silence it saw is at most this long. A loaded machine may stretch it past the lease, and then a
            // verdict is the right answer; within the lease, none is.
            var silenceAtMost = clock.Elapsed - previousSent;
            Assert.True(reply.Status == EcuStatus.Alive || silenceAtMost >= Lease,
                $"answered {reply.Status} after a silence of at most {silenceAtMost.TotalMilliseconds:0} ms (lease {Lease.TotalMilliseconds:0} ms)");
            if (reply.Status != EcuStatus.Alive)
                return;
            previousSent = sent;
        }

        var view = await ecu.GetAsync();
        Assert.Equal(EcuStatus.Alive, view.Status);
        Assert.Equal(0, view.FailureEpoch);
        Assert.Equal(6, view.Window.Count);
    }

    [Fact]
    public async Task HeartbeatsQueuedBehindAWriteSlowerThanTheLease_TheEcuStaysAlive()
    {
        var mac = ClusterFixture.NewMac();
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(mac);
        await ecu.RegisterAsync(Registration);
        using var stop = new CancellationTokenSource();
        var beats = BeatWithoutWaitingAsync(ecu, stop.Token);

        await using (var connection = new NpgsqlConnection(fixture.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            // Hold the ECU's storage row: its next state write waits, and every call that arrives meanwhile
            // (the heartbeats, the lease timer) queues behind it.
            await using var hold = new NpgsqlCommand(
                "SELECT 1 FROM orleansstorage WHERE graintypestring = 'ecu' AND grainidextensionstring = $1 FOR UPDATE", connection, tx)
            {
                Parameters = { new() { Value = mac } },
            };
            Assert.Equal(1, await hold.ExecuteScalarAsync());
            var write = ecu.AddProgramAsync(new ProgramEntry(0, new ProgramInfo("p", 16L << 20), null, DateTimeOffset.UtcNow));
            await Task.Delay(Lease + TimeSpan.FromSeconds(1)); // the stall to survive, longer than the lease
            Assert.False(write.IsCompleted, "the write waited for the held row");
            await tx.RollbackAsync();
            await write;
        }

        // Long enough after the stall for the lease timer to have judged what it saw.
        await Task.Delay(Lease);
        await stop.CancelAsync();
        var replies = await beats;

        Assert.All(replies, reply => Assert.Equal(EcuStatus.Alive, reply.Status));
        var view = await ecu.GetAsync();
        Assert.Equal(EcuStatus.Alive, view.Status);
        Assert.Equal(0, view.FailureEpoch);
        await ecu.RetireAsync("test over");
    }

    /// <summary>Heartbeats every 500 ms like an agent, each sent on time whether or not the previous one was answered.</summary>
    private static async Task<HeartbeatReply[]> BeatWithoutWaitingAsync(IEcuGrain ecu, CancellationToken stop)
    {
        var calls = new List<Task<HeartbeatReply>>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        do
        {
            calls.Add(ecu.HeartbeatAsync(Beat));
        }
        while (await WaitForNextBeatAsync(timer, stop));

        return await Task.WhenAll(calls);
    }

    private static async Task<bool> WaitForNextBeatAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task DeclareFailed_Twice_OneFailureWithOneEpoch()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        var before = DateTimeOffset.UtcNow;

        var epochs = await Task.WhenAll(ecu.DeclareFailedAsync("external monitor"), ecu.DeclareFailedAsync("external monitor"));

        var after = DateTimeOffset.UtcNow;
        Assert.Equal([1, 1], epochs);
        var view = await ecu.GetAsync();
        Assert.Equal(EcuStatus.Failed, view.Status);
        Assert.Equal("external monitor", view.FailureReason);
        Assert.InRange(view.StatusSince!.Value, before, after); // the time of the one declaration
    }

    [Fact]
    public async Task FailedEcuComesBack_ToldFencedThenRejoinsAlive()
    {
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(ClusterFixture.NewMac());
        await ecu.RegisterAsync(Registration);
        await ecu.DeclareFailedAsync("partitioned");

        var reply = await ecu.HeartbeatAsync(Beat);
        var again = await ecu.RegisterAsync(Registration);
        var rejoined = await ecu.RejoinAsync(Registration);

        Assert.Equal(EcuStatus.Fenced, reply.Status);
        Assert.Equal(EcuStatus.Fenced, again.Status);
        Assert.Equal(EcuStatus.Alive, rejoined.Status);
        Assert.Equal(1, rejoined.FailureEpoch);
        var mac = (await ecu.GetAsync()).Mac;
        await Eventually.TrueAsync(async () => (await fixture.Grains.GetGrain<IFleetGrain>(0).ListAsync()).Contains(mac),
            TimeSpan.FromSeconds(10), "the fleet registry lists the rejoined ECU");
    }

    [Fact]
    public async Task HostingSiloKilledWithTheEcu_DeclaredFailedWithinSiloDeathDetectionPlusLeasePlusOneSecond()
    {
        var mac = ClusterFixture.NewMac();
        var ecu = fixture.Grains.GetGrain<IEcuGrain>(mac);
        await ecu.RegisterAsync(Registration);
        await ecu.HeartbeatAsync(Beat);
        var host = await fixture.SiloHostingAsync(ecu);
        var survivor = fixture.Cluster.GetActiveSilos().First(s => !s.SiloAddress.Equals(host.SiloAddress));
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);

        var clock = Stopwatch.StartNew();
        await fixture.Cluster.KillSiloAsync(host);
        try
        {
            await Eventually.TrueAsync(
                async () => (await management.GetHosts(onlyActive: true)).ContainsKey(host.SiloAddress) == false,
                TimeSpan.FromSeconds(60), "the killed silo is declared dead", Transient.SiloLost);
            var deathDetected = clock.Elapsed;
            var view = await Eventually.ReturnsAsync(() => ecu.GetAsync(), v => v.Status == EcuStatus.Failed, TimeSpan.FromSeconds(60), "the ECU is declared failed", Transient.SiloLost);
            var failed = clock.Elapsed;

            Assert.True(failed <= deathDetected + Lease + TimeSpan.FromSeconds(1),
                $"failed after {failed.TotalMilliseconds:0} ms; silo death detected after {deathDetected.TotalMilliseconds:0} ms");
            // The survivor took the ECU over from storage and judged its lease: one failure, for the lease.
            Assert.Equal(survivor.SiloAddress, (await fixture.SiloHostingAsync(ecu)).SiloAddress);
            Assert.Equal(1, view.FailureEpoch);
            Assert.StartsWith("lease expired", view.FailureReason);
        }
        finally
        {
            await fixture.RestoreSiloCountAsync();
        }
    }
}
