using System.Collections.Concurrent;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Standby;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// An ECU played by the test process: it registers, heartbeats and answers restore commands through a real
/// observer, by default the way an agent does (register the program, answer its new ID); tests replace that.
/// </summary>
public sealed class FakeEcu : IEcuAgent, IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly IClusterClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly EcuMetrics _metrics;
    private Task _heartbeats = Task.CompletedTask;
    private int _nextProgramId;

    private FakeEcu(IClusterClient client, string mac, long ramMb, double cpuLoad)
    {
        _client = client;
        _grains = client;
        Mac = mac;
        _metrics = new EcuMetrics(cpuLoad, 16L << 20, ramMb << 20);
    }

    public string Mac { get; }

    public ConcurrentQueue<RestoreCommand> Restores { get; } = new();

    /// <summary>The programs the CMS told this ECU to stop (a migration's source copy), in order.</summary>
    public ConcurrentQueue<StopCommand> Stops { get; } = new();

    /// <summary>What a restore command does; the default registers and "starts" the program.</summary>
    public Func<RestoreCommand, Task<RestoreResult>> OnRestore { get; set; } = null!;

    public IEcuGrain Grain => _grains.GetGrain<IEcuGrain>(Mac);

    /// <summary>The client it calls the CMS through.</summary>
    public IGrainFactory Grains => _grains;

    /// <summary>The programs its heartbeats report (none unless a test sets them).</summary>
    public IReadOnlyList<RunningProgram> Reported { get; set; } = [];

    public static async Task<FakeEcu> StartAsync(IClusterClient client, long ramMb = 1024, double cpuLoad = 0.1)
    {
        var ecu = new FakeEcu(client, ClusterFixture.NewMac(), ramMb, cpuLoad);
        ecu.OnRestore = ecu.RegisterProgramAsync;
        await ecu.Grain.RegisterAsync(new EcuRegistration($"fake-{ecu.Mac}", ramMb << 20, 2));
        await ecu.Grain.AttachAgentAsync(client.CreateObjectReference<IEcuAgent>(ecu));
        await ecu.Grain.HeartbeatAsync(new EcuHeartbeat(ecu._metrics, []));
        ecu._heartbeats = ecu.HeartbeatAsync();
        return ecu;
    }

    /// <summary>Registers a program of its own, as an agent does for a declared program.</summary>
    public Task<int> AddProgramAsync(string name, IsolationPolicy isolation = IsolationPolicy.Freeze, bool standby = false) =>
        Grain.AddProgramAsync(new ProgramEntry(Interlocked.Increment(ref _nextProgramId) - 1,
            new ProgramInfo(name, 32L << 20, Isolation: isolation, Standby: standby), null, DateTimeOffset.UtcNow));

    /// <summary>The ECU dies: no more heartbeats.</summary>
    public async Task StopHeartbeatsAsync()
    {
        await _stop.CancelAsync();
        await _heartbeats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task<RestoreResult> RestoreAsync(RestoreCommand command)
    {
        Restores.Enqueue(command);
        return OnRestore(command);
    }

    public Task StopProgramAsync(StopCommand command)
    {
        Stops.Enqueue(command);
        return Task.CompletedTask;
    }

    public Task<long> CheckpointNowAsync(int programId) => throw new NotSupportedException("fake ECUs take no fresh checkpoints");

    /// <summary>What the CMS keeps warm on this ECU, as an agent keeps it.</summary>
    public StandbyCache Standbys { get; } = new(256L << 20);

    /// <summary>Every standby update the CMS sent this ECU, in order.</summary>
    public ConcurrentQueue<StandbyUpdate> StandbyUpdates { get; } = new();

    public Task<StandbyAnswer> KeepStandbyAsync(StandbyUpdate update)
    {
        StandbyUpdates.Enqueue(update);
        return Task.FromResult(Standbys.Keep(update));
    }

    public Task DropStandbyAsync(CheckpointKey source)
    {
        Standbys.Drop(source);
        return Task.CompletedTask;
    }

    /// <summary>Registers the command's program, as an agent that remembers no earlier command does; a stale one is refused.</summary>
    public async Task<RestoreResult> RegisterProgramAsync(RestoreCommand command)
    {
        var origin = new ProgramOrigin(command.Source, command.Manifest.Version, command.CommandId, command.Root, command.Token);
        try
        {
            var id = await Grain.AddProgramAsync(new ProgramEntry(Interlocked.Increment(ref _nextProgramId) - 1, command.Manifest.Program, origin, DateTimeOffset.UtcNow));
            return new RestoreResult(Mac, id);
        }
        catch (StaleCommandException e)
        {
            throw new RestoreRefusedException(RestoreRefusal.Stale, e.Message);
        }
    }

    /// <summary>Retires the ECU (so that its end restores nothing into later tests) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await Grain.RetireAsync("test over");
        await StopHeartbeatsAsync();
        _stop.Dispose();
    }

    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(300));
        while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result))
        {
            try
            {
                var reply = await Grain.HeartbeatAsync(new EcuHeartbeat(_metrics, Reported));
                if (reply.NeedsAgent)
                {
                    await Grain.AttachAgentAsync(_client.CreateObjectReference<IEcuAgent>(this));
                }
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // a silo restarting under the test; the next beat tries again
            }
        }
    }
}
