using System.Diagnostics;
using OrleansCms.Ecus;

namespace OrleansCms.Benchmarks;

/// <summary>An ECU played by the benchmark: registers, then heartbeats at a fixed rate until it is "killed".</summary>
public sealed class SimulatedEcu(IClusterClient client, string mac, TimeSpan interval)
{
    private static readonly EcuHeartbeat Beat = new(new EcuMetrics(0.3, 200L << 20, 1L << 30), []);
    private readonly CancellationTokenSource _kill = new();
    private readonly List<double> _roundTrips = [];
    private Task _loop = Task.CompletedTask;

    public string Mac { get; } = mac;

    public IEcuGrain Grain { get; } = client.GetGrain<IEcuGrain>(mac);

    /// <summary>When the CMS last acknowledged a heartbeat (Stopwatch timestamp).</summary>
    public long LastAcknowledged { get; private set; }

    public bool ToldNotAlive { get; private set; }

    public IReadOnlyList<double> RoundTripsMs
    {
        get
        {
            lock (_roundTrips)
            {
                return [.. _roundTrips];
            }
        }
    }

    public async Task StartAsync()
    {
        await Grain.RegisterAsync(new EcuRegistration($"sim-{Mac}", 1L << 30, 2));
        LastAcknowledged = Stopwatch.GetTimestamp();
        _loop = BeatAsync();
    }

    /// <summary>Stops heartbeating at once, as a dead ECU does.</summary>
    public Task KillAsync()
    {
        _kill.Cancel();
        return _loop;
    }

    private async Task BeatAsync()
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_kill.Token))
            {
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var reply = await Grain.HeartbeatAsync(Beat).WaitAsync(_kill.Token);
                    ToldNotAlive |= reply.Status != EcuStatus.Alive;
                    LastAcknowledged = Stopwatch.GetTimestamp();
                    lock (_roundTrips)
                    {
                        _roundTrips.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // a silo died under this call; the next tick goes to the survivor
                }
            }
        }
        catch (OperationCanceledException)
        {
            // killed
        }
    }
}
