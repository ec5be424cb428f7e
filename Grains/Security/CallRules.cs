namespace OrleansCms.Security;

/// <summary>The outcome of <see cref="CallRules.Decide"/>.</summary>
public enum CallVerdict
{
    Allowed = 1,

    /// <summary>Allowed only with a valid read grant for the target as the call's first argument.</summary>
    AllowedWithGrant = 2,

    Refused = 3,
}

/// <summary>
/// Who may call what, from outside the silos (the silos' own calls are always allowed): an ECU only the
/// interfaces marked for ECUs, on grains of its own MAC (or granted to it); an operator every interface not
/// reserved to ECUs; a caller without a session only what is open to anyone.
/// </summary>
public static class CallRules
{
    public static (CallVerdict Verdict, string? Why) Decide(CalledByAttribute callers, CallerIdentity? caller, string? ownerMac) => caller switch
    {
        _ when callers.Callers.HasFlag(Callers.Anyone) => (CallVerdict.Allowed, null),
        null => (CallVerdict.Refused, "the call carries no valid session (a fleet certificate must open one)"),
        { Role: FleetRole.Operator } when callers.Callers.HasFlag(Callers.Ecu) && !callers.Callers.HasFlag(Callers.Operator) =>
            (CallVerdict.Refused, $"operator {caller.Subject} may not act as an ECU"),
        { Role: FleetRole.Operator } => (CallVerdict.Allowed, null),
        { Role: FleetRole.Ecu } when !callers.Callers.HasFlag(Callers.Ecu) => (CallVerdict.Refused, $"ECU {caller.Subject} may not call this"),
        { Role: FleetRole.Ecu } when ownerMac == caller.Subject => (CallVerdict.Allowed, null),
        { Role: FleetRole.Ecu } when callers.ByGrant => (CallVerdict.AllowedWithGrant, $"ECU {caller.Subject} holds no read grant for ECU {ownerMac ?? "(none)"}'s checkpoint"),
        { Role: FleetRole.Ecu } => (CallVerdict.Refused, $"ECU {caller.Subject} may not act on ECU {ownerMac ?? "(none)"}"),
        _ => (CallVerdict.Refused, $"{caller} may not call this"),
    };
}
