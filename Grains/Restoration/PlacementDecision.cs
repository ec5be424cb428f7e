namespace OrleansCms.Restoration;

/// <summary>Where one program goes: exactly one of <paramref name="TargetMac"/> and <paramref name="PendingReason"/> is set.</summary>
/// <param name="ProgramKey">The request's <see cref="PlacementRequest.ProgramKey"/>.</param>
/// <param name="TargetMac">The chosen ECU, or null when the program is pending.</param>
/// <param name="PendingReason">Why no ECU fits, worded for an operator, or null when a target was chosen.</param>
public sealed record PlacementDecision(string ProgramKey, string? TargetMac, string? PendingReason);
