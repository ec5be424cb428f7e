using System.Diagnostics;

namespace OrleansCms.Benchmarks.Soak;

/// <summary>
/// ./cms bench soak: steady load and random SIGKILLs of agents and silos for N minutes (see <see cref="SoakRun"/>);
/// prints as it goes and reports acknowledged checkpoints lost, duplicate running programs, faults, restorations and
/// each silo's memory. Exit status 1 when an invariant failed, 2 for bad options.
/// </summary>
public static class SoakBenchmark
{
    public static async Task<int> RunAsync(string serverConnectionString, string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}{Environment.NewLine}usage: {SoakOptions.Usage}");
            return 2;
        }

        var logs = Environment.GetEnvironmentVariable("CMS_BENCH_LOGS") is { Length: > 0 } folder ? folder : Path.Combine(Path.GetTempPath(), "orleanscms-bench");
        Directory.CreateDirectory(logs);
        Console.WriteLine($"soak benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores: 3 silos, {options.Agents} agents × {SoakRun.ProgramsPerEcu} sample programs, "
            + $"{options.Minutes:0.#} minutes, a SIGKILL every 20–40 s; seed {options.Seed} (--seed {options.Seed} repeats the random draws: kinds and times of the faults); agent logs in {logs}/soak-ecu-N.log");
        var clock = Stopwatch.StartNew();
        await using var cms = await BenchSilos.StartAsync(serverConnectionString, silos: 3, responseTimeout: TimeSpan.FromSeconds(10));
        var ledger = new AckLedger();
        var ecus = Enumerable.Range(1, options.Agents).Select(n => new SoakEcu(n, Programs(n), Path.Combine(logs, $"soak-ecu-{n}.log"), ledger)).ToList();
        try
        {
            return await new SoakRun(options, cms, ecus, ledger, clock).RunAsync();
        }
        finally
        {
            foreach (var ecu in ecus)
            {
                await ecu.DisposeAsync();
            }
        }
    }

    /// <summary>Three programs per ECU: small and frequent, medium, and large and slow (state, dirty share, interval).</summary>
    private static string[] Programs(int ecu) =>
    [
        $"name=soak{ecu}-small,ram-mb=16,interval-ms=500,cmd=sample --state-mb 0.25 --dirty 0.1",
        $"name=soak{ecu}-medium,ram-mb=32,interval-ms=1000,cmd=sample --state-mb 1 --dirty 0.05",
        $"name=soak{ecu}-large,ram-mb=64,interval-ms=2000,cmd=sample --state-mb 4 --dirty 0.02",
    ];
}
