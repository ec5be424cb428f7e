using OrleansCms.Ecus;
using OrleansCms.Machine;

namespace OrleansCms.Agent;

/// <summary>
/// Measures the ECU for its heartbeat. An agent that owns its host reports the host's CPU load and RAM (from
/// /proc); a simulated ECU sharing its host reports what its own processes use against its declared capacity.
/// Each program's resident memory and CPU load come from its process either way.
/// </summary>
internal sealed class EcuMetricsCollector(AgentOptions options)
{
    private readonly HostCpuSampler _hostCpu = new();
    private readonly ProcessCpuSampler _processes = new();
    private readonly int _hostCores = Environment.ProcessorCount;

    public EcuHeartbeat Measure(IReadOnlyCollection<ManagedProgram> programs)
    {
        var reports = new List<RunningProgram>(programs.Count);
        double programLoad = 0;
        long programRam = 0;
        foreach (var program in programs)
        {
            var usage = _processes.Sample(program.Process.ProcessId);
            var load = ToEcuShare(usage?.CpuLoad ?? 0);
            programLoad += load;
            programRam += usage?.RssBytes ?? 0;
            reports.Add(new RunningProgram(program.Key.ProgramId, program.Info.Name, usage is not null,
                program.LastAcknowledged, usage?.RssBytes ?? 0, load, program.LastAcknowledgedAt));
        }

        var hostLoad = _hostCpu.Sample();
        EcuMetrics metrics;
        if (options.SharesHost)
        {
            var self = _processes.Sample(Environment.ProcessId);
            metrics = new EcuMetrics(
                Math.Clamp(programLoad + ToEcuShare(self?.CpuLoad ?? 0), 0, 1),
                programRam + (self?.RssBytes ?? 0),
                options.RamBytes);
        }
        else
        {
            var (total, used) = HostMemory.Read();
            metrics = new EcuMetrics(Math.Clamp(hostLoad, 0, 1), used, total);
        }

        return new EcuHeartbeat(metrics, reports);
    }

    /// <summary>A load given as a share of all host cores, as a share of this ECU's cores.</summary>
    private double ToEcuShare(double hostShare) => hostShare * _hostCores / Math.Max(1, options.CpuCores);
}
