namespace OrleansCms.Security;

/// <summary>
/// Marks every call a silo makes as the cluster's own, and strips what must not travel: a caller's session token
/// (which the request context would carry into the grain's further calls, even to another ECU's agent), and the
/// mark itself from calls to clients (an agent must never hold one).
/// </summary>
public sealed class SiloCallMark(FleetTrust trust, Seals seals) : IOutgoingGrainCallFilter
{
    /// <summary>The <see cref="RequestContext"/> key of the silo mark.</summary>
    public const string Key = "cms-silo";

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (trust.Enforced)
        {
            RequestContext.Remove(CallerSession.TokenKey);
            if (GrainTypePrefix.IsClient(context.TargetId))
            {
                RequestContext.Remove(Key);
            }
            else
            {
                RequestContext.Set(Key, await seals.SiloMarkAsync());
            }
        }

        await context.Invoke();
    }
}
