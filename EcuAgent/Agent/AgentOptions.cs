using System.ComponentModel.DataAnnotations;
using System.Net;

namespace OrleansCms.Agent;

/// <summary>One ECU agent's identity, capacity, CMS gateways and programs (section <c>Agent</c>).</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>The ECU's MAC; several agents on one host take distinct values.</summary>
    [Required]
    public string Mac { get; set; } = "";

    [Required]
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

    /// <summary>The CMS gateways (the seed's "addresses of the checkpoint management systems").</summary>
    [MinLength(1)]
    public List<IPEndPoint> Gateways { get; set; } = [];

    public string ClusterId { get; set; } = "orleans-cms";

    public string ServiceId { get; set; } = "orleans-cms";

    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The ECU runs on the machine of a CMS silo (preferred for latency-critical programs).</summary>
    public bool BesideCmsSilo { get; set; }

    /// <summary>Programs to start when the agent first registers, each in <see cref="ProgramSpec"/> syntax.</summary>
    public List<string> Programs { get; set; } = [];

    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
