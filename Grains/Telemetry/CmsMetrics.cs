using System.Diagnostics.Metrics;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Storage;

namespace OrleansCms.Telemetry;

/// <summary>
/// The CMS's own instruments, on one meter (<see cref="MeterName"/>). Grains record through it; the silo's
/// exporter reads it. Observable instruments read silo-local state only, never grains.
/// </summary>
public sealed class CmsMetrics
{
    public const string MeterName = "OrleansCms";

    private readonly Counter<long> _checkpointsIngested;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesStored;
    private readonly Histogram<double> _ackLatency;
    private readonly Histogram<double> _restoreDuration;

    public CmsMetrics(IMeterFactory meters, IngestBudget budget, FleetCensusCache census)
    {
        var meter = meters.Create(MeterName);
        _checkpointsIngested = meter.CreateCounter<long>("cms.checkpoints.ingested", "{checkpoint}",
            "Checkpoints acknowledged (stored durably) by this silo.");
        _bytesReceived = meter.CreateCounter<long>("cms.ingest.received", "By",
            "Payload bytes of the checkpoints this silo acknowledged (their full size).");
        _bytesStored = meter.CreateCounter<long>("cms.ingest.stored", "By",
            "Bytes this silo pulled from agents and stored as new chunks (after deduplication and compression).");
        meter.CreateObservableUpDownCounter("cms.ingest.in_flight", () => budget.InFlightBytes, "By",
            "Payload bytes pulled from agents but not yet stored (the ingest budget in use).");
        _ackLatency = meter.CreateHistogram<double>("cms.checkpoint.ack_latency", "ms",
            "Time from an offer reaching its checkpoint grain to its acknowledgement.");
        _restoreDuration = meter.CreateHistogram<double>("cms.restore.duration", "ms",
            "Time from the start of a restoration to one of its programs running on its target, per program.");
        meter.CreateObservableGauge("cms.ecus", census.Measure, "{ecu}",
            "ECUs of the fleet by status, as this silo last counted them (every few seconds).");
    }

    /// <summary>Records one acknowledged checkpoint: its payload size, the bytes that had to be pulled and the ack latency.</summary>
    public void CheckpointAcknowledged(long payloadBytes, long storedBytes, TimeSpan latency)
    {
        _checkpointsIngested.Add(1);
        _bytesReceived.Add(payloadBytes);
        _bytesStored.Add(storedBytes);
        _ackLatency.Record(latency.TotalMilliseconds);
    }

    /// <summary>Records one program running again after a restoration (or migration) of <paramref name="kind"/>.</summary>
    public void ProgramRestored(RestorationKind kind, TimeSpan sinceStart) =>
        _restoreDuration.Record(sinceStart.TotalMilliseconds, new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant()));

    /// <summary>The tag of an ECU status in <c>cms.ecus</c>.</summary>
    public static KeyValuePair<string, object?> StatusTag(EcuStatus status) => new("status", status.ToString().ToLowerInvariant());
}
