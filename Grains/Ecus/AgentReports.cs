namespace OrleansCms.Ecus;

/// <summary>What an agent may report about its ECU: the checks a registration and a heartbeat pass before they count.</summary>
public static class AgentReports
{
    /// <summary>A registration needs a name, RAM and CPU cores.</summary>
    /// <exception cref="ArgumentException">It is null or lacks one of them.</exception>
    public static void Validate(EcuRegistration? registration)
    {
        if (registration is null || string.IsNullOrWhiteSpace(registration.Name) || registration.RamBytes <= 0 || registration.CpuCores <= 0)
        {
            throw new ArgumentException("A registration needs a name, RAM > 0 and CPU cores > 0.", nameof(registration));
        }
    }

    /// <summary>
    /// Refuses measurements no agent can make (they would skew placement, and NaN or infinity cannot even be shown
    /// as JSON): the ECU's CPU load is 0..1, RAM figures and each program's figures are not negative, loads are finite.
    /// </summary>
    /// <exception cref="ArgumentException">A figure is out of range, or the heartbeat or a program is null.</exception>
    public static void Validate(EcuHeartbeat? heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat?.Metrics, nameof(heartbeat));
        var metrics = heartbeat.Metrics;
        if (!double.IsFinite(metrics.CpuLoad) || metrics.CpuLoad is < 0 or > 1 || metrics.RamUsedBytes < 0 || metrics.RamTotalBytes < 0)
        {
            throw new ArgumentException($"A heartbeat's CPU load is 0..1 and its RAM figures are not negative, not {metrics}.", nameof(heartbeat));
        }

        foreach (var program in heartbeat.Programs ?? [])
        {
            if (program is null || program.ProgramId < 0 || program.Name is null || program.RssBytes < 0
                || !double.IsFinite(program.CpuLoad) || program.CpuLoad < 0 || program.LastAcknowledgedVersion < 0)
            {
                throw new ArgumentException(
                    $"A reported program has an ID, a name, and a finite CPU load, RSS and version that are not negative, not {program?.ToString() ?? "null"}.",
                    nameof(heartbeat));
            }
        }
    }
}
