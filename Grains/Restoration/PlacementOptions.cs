using System.ComponentModel.DataAnnotations;

namespace OrleansCms.Restoration;

/// <summary>How <see cref="PlacementPolicy"/> weighs candidate ECUs (section <c>Cms:Placement</c>).</summary>
public sealed class PlacementOptions : IValidatableObject
{
    public const string Section = "Cms:Placement";

    /// <summary>Weight of the CPU load (0..1, after placement) in the score. Not both weights may be 0.</summary>
    [Range(0.0, 100.0)]
    public double CpuWeight { get; set; } = 0.5;

    /// <summary>Weight of the used RAM fraction (0..1, after placement) in the score.</summary>
    [Range(0.0, 100.0)]
    public double RamWeight { get; set; } = 0.5;

    /// <summary>
    /// Largest Σ WCET/period an ECU may carry. 1.0 is the EDF bound of one core; lower it to keep slack
    /// (e.g. 0.69 for rate-monotonic scheduling of many tasks).
    /// </summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double UtilizationBound { get; set; } = 1.0;

    /// <summary>
    /// Subtracted from the score of an ECU beside a CMS silo when the program is latency-critical. At the default
    /// weights, 0.25 means such an ECU still wins while it is up to 50 percentage points busier in CPU (or in RAM)
    /// than the best ECU elsewhere. 0 disables the preference; a value above the largest possible score difference
    /// ranks every fitting silo-side ECU first.
    /// </summary>
    [Range(0.0, 100.0)]
    public double LatencyCriticalBonus { get; set; } = 0.25;

    /// <summary>RAM left free on every ECU for its own needs; a program fits only in what lies beyond it.</summary>
    [Range(0, 1L << 40)]
    public long RamHeadroomBytes { get; set; }

    /// <summary>
    /// CPU load assumed for a program that declares no period and WCET, used only to spread a batch so that one ECU
    /// is not flooded (a declared program counts with its utilization).
    /// </summary>
    [Range(0.0, 1.0)]
    public double UndeclaredProgramCpu { get; set; } = 0.05;

    /// <summary>Throws a <see cref="ValidationException"/> when a value is out of range.</summary>
    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);

    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (CpuWeight == 0 && RamWeight == 0)
        {
            yield return new ValidationResult("CpuWeight and RamWeight must not both be 0.", [nameof(CpuWeight), nameof(RamWeight)]);
        }
    }
}
