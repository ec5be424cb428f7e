using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Security;

namespace OrleansCms.Tests.Security;

/// <summary>Who may call what, decided from the interface's <see cref="CalledByAttribute"/>, the session and the target's ECU.</summary>
public sealed class CallRulesTests
{
    private const string Mine = "02:00:00:00:00:01";
    private const string Theirs = "02:00:00:00:00:02";
    private static readonly CallerIdentity Ecu = new(FleetRole.Ecu, Mine, new string('0', 64));
    private static readonly CallerIdentity Operator = new(FleetRole.Operator, "ops", new string('0', 64));

    [Theory]
    [InlineData(typeof(IEcuAgentGrain), Mine, CallVerdict.Allowed)]
    [InlineData(typeof(IEcuAgentGrain), Theirs, CallVerdict.Refused)]
    [InlineData(typeof(IEcuSharedGrain), Mine, CallVerdict.Allowed)]
    [InlineData(typeof(IEcuSharedGrain), Theirs, CallVerdict.Refused)]
    [InlineData(typeof(ICheckpointAgentGrain), Mine, CallVerdict.Allowed)]
    [InlineData(typeof(ICheckpointAgentGrain), Theirs, CallVerdict.Refused)]
    [InlineData(typeof(IRestoreSourceGrain), Theirs, CallVerdict.AllowedWithGrant)]
    [InlineData(typeof(IEcuGrain), Mine, CallVerdict.Refused)]
    [InlineData(typeof(ICheckpointGrain), Mine, CallVerdict.Refused)]
    [InlineData(typeof(IRestorationGrain), null, CallVerdict.Refused)]
    [InlineData(typeof(IFleetGrain), null, CallVerdict.Refused)]
    [InlineData(typeof(ISessionGrain), null, CallVerdict.Allowed)]
    public void AnEcu_CallsOnlyTheInterfacesMarkedForEcus_OnItsOwnGrains(Type grainInterface, string? owner, CallVerdict expected) =>
        Assert.Equal(expected, CallRules.Decide(GrainOwner.CallersOf(grainInterface), Ecu, owner).Verdict);

    [Theory]
    [InlineData(typeof(IEcuAgentGrain), CallVerdict.Refused)]
    [InlineData(typeof(ICheckpointAgentGrain), CallVerdict.Refused)]
    [InlineData(typeof(IRestoreSourceGrain), CallVerdict.Refused)]
    [InlineData(typeof(IEcuSharedGrain), CallVerdict.Allowed)]
    [InlineData(typeof(IEcuGrain), CallVerdict.Allowed)]
    [InlineData(typeof(ICheckpointGrain), CallVerdict.Allowed)]
    [InlineData(typeof(IRestorationGrain), CallVerdict.Allowed)]
    [InlineData(typeof(IManagementGrain), CallVerdict.Allowed)]
    public void AnOperator_CallsEverythingButWhatOnlyAnEcuMayDo(Type grainInterface, CallVerdict expected) =>
        Assert.Equal(expected, CallRules.Decide(GrainOwner.CallersOf(grainInterface), Operator, Theirs).Verdict);

    [Theory]
    [InlineData(typeof(IEcuSharedGrain))]
    [InlineData(typeof(IEcuGrain))]
    [InlineData(typeof(IManagementGrain))]
    public void ACallWithoutSession_IsRefused_ExceptOpeningOne(Type grainInterface)
    {
        var (verdict, why) = CallRules.Decide(GrainOwner.CallersOf(grainInterface), null, Mine);
        Assert.Equal(CallVerdict.Refused, verdict);
        Assert.Contains("no valid session", why, StringComparison.Ordinal);
        Assert.Equal(CallVerdict.Allowed, CallRules.Decide(GrainOwner.CallersOf(typeof(ISessionGrain)), null, null).Verdict);
    }

    [Fact]
    public void EveryMethodAnAgentCalls_IsOnAnInterfaceMarkedForEcus()
    {
        // The agent's calls, by the interfaces that declare them: a method moved to a CMS-only interface would lock agents out.
        Type[] agentFacing = [typeof(IEcuAgentGrain), typeof(IEcuSharedGrain), typeof(ICheckpointAgentGrain), typeof(IRestoreSourceGrain)];
        Assert.All(agentFacing, t => Assert.True(GrainOwner.CallersOf(t).Callers.HasFlag(Callers.Ecu), t.Name));
        Assert.Equal(["AddProgramAsync", "AttachAgentAsync", "EndProgramAsync", "HeartbeatAsync", "RegisterAsync", "RejoinAsync", "ReportCrashAsync"],
            typeof(IEcuAgentGrain).GetMethods().Select(m => m.Name).Order());
        Assert.Equal(["DeclareFailedAsync", "FindByCommandAsync", "FindProgramAsync", "GetAgentAsync", "RetireAsync", "WatchAsync"],
            typeof(IEcuGrain).GetMethods().Select(m => m.Name).Order());
    }

    [Theory]
    [InlineData("02:00:00:00:00:01", "02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:01/7", "02:00:00:00:00:01")]
    [InlineData("restoration-1", null)]
    public void TheOwnerOfAGrain_IsTheMacInItsKey(string key, string? owner) =>
        Assert.Equal(owner, GrainOwner.MacOf(GrainId.Create("test", key)));
}
