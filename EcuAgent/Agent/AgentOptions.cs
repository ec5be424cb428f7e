using System.ComponentModel.DataAnnotations;
using System.Net;
using OrleansCms.Checkpoints;

namespace OrleansCms.Agent;

/// <summary>
/// One ECU agent's identity, capacity, CMS gateways and programs (section <c>Agent</c>). The command line's flags set
/// these keys; what no flag and no configuration sets comes from the host (MAC, name, RAM, cores).
/// </summary>
public sealed class AgentOptions : IValidatableObject
{
    public const string Section = "Agent";

    /// <summary>The ECU's MAC (default: the host's first non-loopback interface); several agents on one host take distinct values.</summary>
    public string Mac { get; set; } = "";

    /// <summary>A readable name (default: <c>ecu-</c> and the last two bytes of the MAC).</summary>
    public string Name { get; set; } = "";

    /// <summary>RAM the ECU offers its programs; with <see cref="CpuCores"/>, set only for a simulated ECU sharing its host.</summary>
    [Range(1, long.MaxValue)]
    public long RamBytes { get; set; }

    [Range(1, 4096)]
    public int CpuCores { get; set; }

    /// <summary>
    /// True when <see cref="RamBytes"/> or <see cref="CpuCores"/> were set by hand: the ECU is a slice of its
    /// host, so its load is what its own processes use, not the host's.
    /// </summary>
    public bool SharesHost { get; set; }

    /// <summary>
    /// The CMS gateways (the seed's "addresses of the checkpoint management systems"). Configured as one string,
    /// <c>host:port[,host:port...]</c>, parsed (and host names resolved) when the options are built.
    /// </summary>
    [MinLength(1, ErrorMessage = "no CMS gateway given; use --cms host:port[,host:port...].")]
    public List<IPEndPoint> Gateways { get; set; } = [];

    [Required]
    public string ClusterId { get; set; } = "orleans-cms";

    [Required]
    public string ServiceId { get; set; } = "orleans-cms";

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Whether the agent sends lease datagrams (UDP, to each gateway's port) while its heartbeats go unanswered: once
    /// no heartbeat was answered for one and a half intervals, one every <see cref="LeaseDatagramInterval"/> until an
    /// answer comes. They reach the CMS as soon as a network cut heals, where TCP resends only after its back-off.
    /// Needs TLS (the session carries the datagrams' key).
    /// </summary>
    public bool LeaseDatagrams { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan LeaseDatagramInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The ECU runs on the machine of a CMS silo (preferred for latency-critical programs).</summary>
    public bool BesideCmsSilo { get; set; }

    /// <summary>
    /// Memory this ECU gives warm standbys of other ECUs' programs (their newest checkpoints, sent by the CMS); the
    /// least recently updated make room, and a program larger than all of it is not kept.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long StandbyCacheBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Processes this ECU starts ahead for the programs it keeps warm standbys of, each waiting for its state, so that a
    /// restore there costs no process start-up. Off (0) by default: a process started ahead is a process of the
    /// program's binary beside the running copy elsewhere, which a census of program processes would count.
    /// </summary>
    [Range(0, 1024)]
    public int StandbyPrestarts { get; set; }

    /// <summary>Programs to start when the agent first registers, each in <see cref="ProgramSpec"/> syntax.</summary>
    public List<string> Programs { get; set; } = [];

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (Mac.Length == 0)
        {
            // No member: the line is the agent's one, word for word, as before the options were bound.
            yield return new ValidationResult("this host has no network interface with a MAC address; pass --mac aa:bb:cc:dd:ee:ff.");
        }
        else if (!MacAddress.TryNormalize(Mac, out _))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(Mac)} '{Mac}' is not a MAC address; write six hex bytes such as 02:00:00:00:00:01.", [nameof(Mac)]);
        }
        else if (string.IsNullOrWhiteSpace(Name))
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(Name)} must not be empty; leave it out for ecu-<last MAC bytes>.", [nameof(Name)]);
        }

        for (var i = 0; i < Programs.Count; i++)
        {
            string? error = null;
            try
            {
                ProgramSpec.Parse(Programs[i], position: i + 1);
            }
            catch (FormatException e)
            {
                error = e.Message;
            }

            if (error is not null)
            {
                yield return new ValidationResult(error, [$"{nameof(Programs)}:{i}"]);
            }
        }
    }
}
