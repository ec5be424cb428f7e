using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Programs;

/// <summary>The limits the agent enforces on a program speaking docs/program-protocol.md (section <c>Agent:Protocol</c>).</summary>
public sealed class ProgramProtocolOptions
{
    public const string Section = "Agent:Protocol";

    /// <summary>Largest state a program may announce (a state is one byte[], hence the Array.MaxLength cap).</summary>
    [Range(1L, 0x7FFFFFC7L)]
    public long MaxStateBytes { get; set; } = 1L << 30;

    /// <summary>From process start (and the RESTORE payload) to READY.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>From CHECKPOINT to the last byte of the STATE payload.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan CheckpointTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a program may take to exit after STOP before its process tree is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Throws a <see cref="ValidationException"/> when a value is out of range.</summary>
    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
}
