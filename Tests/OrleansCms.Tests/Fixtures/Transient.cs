using Orleans.Runtime.Messaging;
using OrleansCms.Checkpoints;

namespace OrleansCms.Tests.Fixtures;

/// <summary>
/// The failures a probe of <see cref="Eventually"/> may legitimately meet while the system gets where the test
/// waits for it. Each is named by what causes it; anything else (an assertion above all) is a real failure.
/// </summary>
public static class Transient
{
    /// <summary>A silo's HTTP port refuses or drops the connection: the process is still starting, or was just killed.</summary>
    public static bool HttpUnreachable(Exception e) =>
        e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded };

    /// <summary>
    /// A grain call that was in flight on, or routed to, a silo that died: rejected, its connection failed, or
    /// unanswered within the response timeout, until the cluster declares the silo dead and the grain moves.
    /// </summary>
    public static bool SiloLost(Exception e) =>
        e is OrleansMessageRejectionException or ConnectionFailedException or EnumerationAbortedException or TimeoutException;

    /// <summary>Ingest pruned a stored version between the probe's listing and its reading of it.</summary>
    public static bool VersionPruned(Exception e) => e is CheckpointRejectedException { Reason: RejectReason.UnknownVersion };

    /// <summary>Any one of <paramref name="kinds"/>.</summary>
    public static Func<Exception, bool> Any(params Func<Exception, bool>[] kinds) => e => kinds.Any(kind => kind(e));
}
