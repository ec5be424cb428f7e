using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Ecus;

/// <summary>ECU failure detection (section <c>Cms:Liveness</c>).</summary>
public sealed class LivenessOptions
{
    public const string Section = "Cms:Liveness";

    /// <summary>An ECU whose heartbeats stop for longer than this is declared failed (agents beat every 500 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often an ECU's grain checks its lease; detection takes at most lease + this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often an alive ECU announces itself to the fleet registry again. Registry updates are one-way and
    /// batched, so a silo dying can lose some; this bounds how long an ECU can be missing from placement.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RegistryRefresh { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// When the CMS comes back after all its silos were down, how long an ECU that was alive before has to send
    /// its first heartbeat, counted from the oldest running silo's start, before its lease is watched again (see
    /// <see cref="LeaseRules.GraceAfterActivation"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RecoveryGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether the silo receives lease datagrams on its gateway's port over UDP (<see cref="LeaseDatagram"/>): the
    /// renewals agents send while their heartbeats go unanswered, so that a short network cut does not outlast the
    /// lease because of TCP's retransmission back-off. Only with TLS, whose sessions issue the datagrams' tickets.
    /// </summary>
    public bool LeaseDatagrams { get; set; } = true;

    /// <summary>How much metrics history each ECU keeps for placement and the dashboard.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MetricsWindow { get; set; } = TimeSpan.FromSeconds(60);
}
