using OrleansCms.Fleet;

namespace OrleansCms.Launcher.Status;

/// <summary>One process of the fleet as <c>./cms ps</c> and the status line show it.</summary>
public sealed record MemberView(string Name, MemberKind Kind, MemberState State, int? ProcessId, string Endpoints, string? ExitReason,
    DateTimeOffset Since, string LogFile)
{
    /// <summary>The MAC of an agent's ECU.</summary>
    public string? Mac { get; init; }

    public static MemberView Of(FleetMember member) => new(member.Spec.Name, member.Spec.Kind, member.State,
        member.IsAlive ? member.ProcessId : null, member.Spec.Endpoints, member.ExitReason, member.Since, member.LogFile ?? "-")
    {
        Mac = member.Spec.Mac,
    };
}
