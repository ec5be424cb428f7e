namespace OrleansCms.Checkpoints;

/// <summary>Bad input or an impossible request: nothing was stored, and retrying the same request will not help.</summary>
[GenerateSerializer, Alias("OrleansCms.CheckpointRejectedException")]
public sealed class CheckpointRejectedException : Exception
{
    public CheckpointRejectedException(RejectReason reason, string message) : base($"{reason}: {message}") => Reason = reason;

    [Id(0)]
    public RejectReason Reason { get; }
}
