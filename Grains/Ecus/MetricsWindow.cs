namespace OrleansCms.Ecus;

/// <summary>The metrics of the last <c>span</c>, oldest first, bounded in time and count.</summary>
public sealed class MetricsWindow(TimeSpan span, int maxSamples = 600)
{
    private readonly Queue<MetricsSample> _samples = new();

    public void Add(MetricsSample sample)
    {
        _samples.Enqueue(sample);
        while (_samples.Count > maxSamples || (_samples.Count > 0 && sample.At - _samples.Peek().At > span))
        {
            _samples.Dequeue();
        }
    }

    public IReadOnlyList<MetricsSample> Snapshot() => [.. _samples];
}
