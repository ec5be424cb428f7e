using System.Reflection;
using Microsoft.Extensions.Logging;
using OrleansCms.Storage;

namespace OrleansCms.Security;

/// <summary>
/// Deny by default, on every silo: a call runs only when it carries this cluster's silo mark or a session that
/// <see cref="CallRules"/> admits for its target, opened with a certificate that was not revoked since. Filters run on the silo that hosts the target, whichever gateway
/// the call came through. Orleans' own system targets are left to Orleans. An operator's call of an
/// <see cref="AuditedAttribute"/> operation is recorded in the <see cref="AuditLog"/> before it runs.
/// </summary>
public sealed partial class AuthorizationFilter(FleetTrust trust, Seals seals, RevokedCertificates revoked, AuditLog audit, ILogger<AuthorizationFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!trust.Enforced || IsLocalTimerTick(context) || GrainTypePrefix.IsSystemTarget(context.TargetId)
            || await seals.IsSiloMarkAsync(RequestContext.Get(SiloCallMark.Key)))
        {
            await context.Invoke();
            return;
        }

        var caller = await seals.ReadSessionAsync(RequestContext.Get(CallerSession.TokenKey));
        var owner = GrainOwner.MacOf(context.TargetId);
        var (verdict, why) = CallRules.Decide(GrainOwner.CallersOf(context.InterfaceMethod?.DeclaringType), caller, owner);
        var isRevoked = caller is not null && revoked.IsRevoked(caller.CertificateSha256);
        if (isRevoked)
        {
            (verdict, why) = (CallVerdict.Refused, $"the certificate of {caller}'s session was revoked");
        }
        else if (verdict == CallVerdict.AllowedWithGrant && await IsGrantedAsync(context, caller!))
        {
            verdict = CallVerdict.Allowed;
        }

        if (verdict != CallVerdict.Allowed)
        {
            var what = $"{context.InterfaceName}.{context.MethodName} on {context.TargetId} ({context.Request.GetType().FullName})";
            Refused(what, caller?.ToString() ?? "(no session)", why ?? "");
            throw new AccessDeniedException($"{what} refused: {why}.", noSession: caller is null, revoked: isRevoked);
        }

        if (caller is { Role: FleetRole.Operator } && context.InterfaceMethod?.GetCustomAttribute<AuditedAttribute>() is { } audited)
        {
            await InvokeAuditedAsync(context, caller, audited.Action);
            return;
        }

        await context.Invoke();
    }

    private async Task InvokeAuditedAsync(IIncomingGrainCallContext context, CallerIdentity caller, string action)
    {
        var arguments = Enumerable.Range(0, context.Request.GetArgumentCount()).Select(i => context.Request.GetArgument(i)?.ToString() ?? "null");
        await audit.RecordAsync(caller.ToString(), action, $"{context.TargetId} {context.MethodName}",
            $"({string.Join(", ", arguments)})", "orleans client (session)",
            async () =>
            {
                await context.Invoke();
                return true;
            },
            _ => "done");
    }

    /// <summary>
    /// The request of a grain timer's tick: a message the activation sends itself, which no outgoing filter marks.
    /// Orleans' own local type, without a wire format, so no client can send one (a client that sends the timer
    /// interface's generated proxy request arrives with another type and is judged like any call).
    /// </summary>
    public static Type TimerTick { get; } = Type.GetType("Orleans.Runtime.GrainTimer+TimerTickInvoker, Orleans.Runtime", throwOnError: true)!;

    private static bool IsLocalTimerTick(IIncomingGrainCallContext context) => context.Request.GetType() == TimerTick;

    private async Task<bool> IsGrantedAsync(IIncomingGrainCallContext context, CallerIdentity caller) =>
        context.Request.GetArgumentCount() > 0
        && context.Request.GetArgument(0) is ReadGrant grant
        && grant.Source.ToString() == context.TargetId.Key.ToString()
        && await seals.IsValidGrantAsync(grant, caller.Subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Call} from {Caller}: {Why}")]
    private partial void Refused(string call, string caller, string why);
}
