using Microsoft.Extensions.Time.Testing;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>An ECU's status changes without a grain, and what each means for its programs.</summary>
public sealed class EcuLifecycleTests
{
    private const string Mac = "aa:00:00:00:00:01";
    private static readonly EcuRegistration Registration = new("ecu", 512L << 20, 2, AgentInstance: "agent-1");

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly EcuState _state = new();

    private EcuLifecycle Lifecycle => new(_state, Mac, _clock);

    private ProgramCatalogue Catalogue => new(_state, Mac, _clock);

    [Fact]
    public void BecomeAlive_FirstTime_NewToTheFleetSinceNow_AgainChangesNothing()
    {
        Assert.Empty(Lifecycle.Register(Registration));
        Assert.True(Lifecycle.BecomeAlive());
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.False(Lifecycle.BecomeAlive());
        Assert.Equal((EcuStatus.Alive, TestClock.Start), (_state.Status, _state.StatusSince!.Value));
    }

    [Fact]
    public void Register_AnotherAgentInstanceOfAnAliveEcu_ItsActiveProgramsCrashedAndRestorationsQueued()
    {
        Alive(programs: 2);
        Catalogue.End(1, ProgramEntryStatus.Stopped, "operator", null);

        var crashed = Lifecycle.Register(Registration with { AgentInstance = "agent-2" });

        Assert.Equal([0], crashed.Select(p => p.ProgramId));
        Assert.Equal("its agent restarted", crashed[0].EndReason);
        Assert.Equal([ProgramEntryStatus.Crashed, ProgramEntryStatus.Stopped], _state.Catalogue.Select(p => p.Status));
        Assert.Equal([$"crash:{Mac}:0"], _state.Outbox.Keys);
        Assert.Equal("agent-2", _state.Registration!.AgentInstance);
    }

    [Theory]
    [InlineData("agent-1")]
    [InlineData(null)]
    public void Register_SameOrUnnamedAgentInstance_ProgramsRunOn(string? instance)
    {
        Alive(programs: 1);

        Assert.Empty(Lifecycle.Register(Registration with { AgentInstance = instance }));
        Assert.Equal(ProgramEntryStatus.Active, _state.Catalogue[0].Status);
        Assert.Empty(_state.Outbox);
    }

    [Fact]
    public void Fail_AliveEcu_NewEpochAndTheActiveProgramsQueuedForRestoration()
    {
        Alive(programs: 3);
        Catalogue.End(2, ProgramEntryStatus.Stopped, "operator", null);
        _clock.Advance(TimeSpan.FromSeconds(9));

        Assert.True(Lifecycle.Fail("lease expired"));

        Assert.Equal((EcuStatus.Failed, 1, "lease expired", TestClock.Start.AddSeconds(9)),
            (_state.Status, _state.FailureEpoch, _state.FailureReason, _state.StatusSince!.Value));
        var request = _state.Outbox[$"failure:{Mac}:1"];
        Assert.Equal((RestorationKind.Failure, Mac, "lease expired"), (request.Kind, request.SourceMac, request.Reason));
        Assert.Equal([0, 1], request.Programs.Select(p => p.ProgramId));
        Assert.True(Lifecycle.IsCutOff);
    }

    [Fact]
    public void Fail_WithTheEndOfTheLease_TheRestorationWaitsForIt()
    {
        Alive(programs: 1);
        var leaseEnds = TestClock.Start.AddSeconds(2);

        Assert.True(Lifecycle.Fail("declared by an operator", notBefore: leaseEnds));

        Assert.Equal(leaseEnds, _state.Outbox[$"failure:{Mac}:1"].NotBefore);
    }

    [Fact]
    public void Fail_AlreadyFailedOrFenced_TheEpochStands()
    {
        Alive(programs: 1);
        Lifecycle.Fail("first");

        Assert.False(Lifecycle.Fail("second"));
        Lifecycle.Fence();
        Assert.False(Lifecycle.Fail("third"));

        Assert.Equal((1, "first"), (_state.FailureEpoch, _state.FailureReason));
        Assert.Single(_state.Outbox);
    }

    [Theory]
    [InlineData(EcuStatus.Unknown)]
    [InlineData(EcuStatus.Retired)]
    public void Fail_NeverRegisteredOrRetired_Refused(EcuStatus status)
    {
        _state.Status = status;

        Assert.Throws<InvalidOperationException>(() => Lifecycle.Fail("test"));
        Assert.Equal(0, _state.FailureEpoch);
    }

    [Fact]
    public void Fail_UnderAMalformedKey_RefusedAsSuch()
    {
        var lifecycle = new EcuLifecycle(new EcuState(), "not-a-mac", _clock);

        Assert.Equal(RejectReason.MalformedMac, Assert.Throws<CheckpointRejectedException>(() => lifecycle.Fail("test")).Reason);
    }

    [Fact]
    public void Fence_OnlyAFailedEcu()
    {
        Alive(programs: 0);
        Assert.False(Lifecycle.Fence());
        Assert.False(Lifecycle.IsCutOff);

        Lifecycle.Fail("test");
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Lifecycle.Fence());
        Assert.False(Lifecycle.Fence());

        Assert.Equal((EcuStatus.Fenced, TestClock.Start.AddSeconds(1)), (_state.Status, _state.StatusSince!.Value));
        Assert.True(Lifecycle.IsCutOff);
    }

    [Fact]
    public void Rejoin_FailedButNotYetFenced_MustLearnItFirst()
    {
        Alive(programs: 1);
        Lifecycle.Fail("test");

        Assert.False(Lifecycle.Rejoin(Registration with { Name = "new" }));

        Assert.Equal(("ecu", ProgramEntryStatus.Active), (_state.Registration!.Name, _state.Catalogue[0].Status));
    }

    [Fact]
    public void Rejoin_Fenced_OldProgramsLeftBehindAsAbandonedAndAliveAgain()
    {
        Alive(programs: 2);
        Lifecycle.Fail("test");
        Lifecycle.Fence();

        Assert.True(Lifecycle.Rejoin(Registration with { Name = "new" }));
        Assert.True(Lifecycle.BecomeAlive());

        Assert.All(_state.Catalogue, p => Assert.Equal(ProgramEntryStatus.Abandoned, p.Status));
        Assert.Equal(("new", EcuStatus.Alive, 1), (_state.Registration!.Name, _state.Status, _state.FailureEpoch));
        Assert.Equal(2, _state.NextProgramId);
    }

    [Fact]
    public void Retire_Alive_ProgramsAbandonedNotRestored()
    {
        Alive(programs: 2);

        Assert.True(Lifecycle.Retire("decommissioned"));

        Assert.Equal((EcuStatus.Retired, "decommissioned"), (_state.Status, _state.FailureReason));
        Assert.All(_state.Catalogue, p => Assert.Equal(ProgramEntryStatus.Abandoned, p.Status));
        Assert.Empty(_state.Outbox);
        Assert.False(Lifecycle.Retire("again"));
        Assert.Equal("decommissioned", _state.FailureReason);
    }

    [Theory]
    [InlineData(EcuStatus.Unknown)]
    [InlineData(EcuStatus.Failed)]
    [InlineData(EcuStatus.Fenced)]
    public void Retire_NotAlive_NothingChanges(EcuStatus status)
    {
        _state.Status = status;

        Assert.False(Lifecycle.Retire("test"));
        Assert.Equal(status, _state.Status);
    }

    [Fact]
    public void Fail_LeaseLapsed_TheProgramsThatRunOnStayUntilConfirmed_TheOthersAreQueued()
    {
        Alive(programs: 1);
        Catalogue.Add(new ProgramEntry(1, new ProgramInfo("k", 1L << 20, Isolation: IsolationPolicy.Continue), null, TestClock.Start));

        Assert.True(Lifecycle.Fail("lease expired", confirmed: false));

        Assert.Equal([0], _state.Outbox[$"failure:{Mac}:1"].Programs.Select(p => p.ProgramId));
        Assert.True(_state.ContinuingUnconfirmed);
        Assert.Equal(new HeartbeatReply(EcuStatus.Failed, 1, false, 2, KeepContinuing: true), Lifecycle.Reply(agentAttached: false));
    }

    [Fact]
    public void Fail_Confirmed_EveryProgramQueuedAtOnce()
    {
        Alive(programs: 1);
        Catalogue.Add(new ProgramEntry(1, new ProgramInfo("k", 1L << 20, Isolation: IsolationPolicy.Continue), null, TestClock.Start));

        Assert.True(Lifecycle.Fail("declared by an operator"));

        Assert.Equal([0, 1], _state.Outbox[$"failure:{Mac}:1"].Programs.Select(p => p.ProgramId));
        Assert.False(Lifecycle.ConfirmFailure("again"));
        Assert.False(Lifecycle.Reply(agentAttached: false).KeepContinuing);
    }

    [Fact]
    public void ConfirmFailure_AfterALapsedLease_QueuesTheProgramsThatRanOn_Once()
    {
        Alive(programs: 1);
        Catalogue.Add(new ProgramEntry(1, new ProgramInfo("k", 1L << 20, Isolation: IsolationPolicy.Continue), null, TestClock.Start));
        Assert.False(Lifecycle.ConfirmFailure("not failed yet"));
        Lifecycle.Fail("lease expired", confirmed: false);

        Assert.True(Lifecycle.ConfirmFailure("the ECU is dead", notBefore: TestClock.Start.AddSeconds(2)));

        var confirmed = _state.Outbox[$"confirmed:{Mac}:1"];
        Assert.Equal([1], confirmed.Programs.Select(p => p.ProgramId));
        Assert.Equal((RestorationKind.Failure, TestClock.Start.AddSeconds(2)), (confirmed.Kind, confirmed.NotBefore));
        Assert.False(Lifecycle.ConfirmFailure("twice"));
        Assert.Equal(2, _state.Outbox.Count);
        Assert.Equal(1, _state.FailureEpoch);
        Lifecycle.Fence();
        Assert.True(Lifecycle.Rejoin(Registration));
        Assert.All(_state.Catalogue, p => Assert.Equal(ProgramEntryStatus.Abandoned, p.Status));
    }

    [Fact]
    public void Rejoin_NoOneConfirmedTheFailure_TheProgramsThatRanOnStayActive()
    {
        Alive(programs: 1);
        Catalogue.Add(new ProgramEntry(1, new ProgramInfo("k", 1L << 20, Isolation: IsolationPolicy.Continue), null, TestClock.Start));
        Lifecycle.Fail("lease expired", confirmed: false);
        Lifecycle.Fence();

        Assert.True(Lifecycle.Rejoin(Registration));
        Assert.True(Lifecycle.BecomeAlive());

        Assert.Equal([ProgramEntryStatus.Abandoned, ProgramEntryStatus.Active], _state.Catalogue.Select(p => p.Status));
        Assert.False(_state.ContinuingUnconfirmed);
        Assert.False(Lifecycle.Reply(agentAttached: true).KeepContinuing);
    }

    [Theory]
    [InlineData(EcuStatus.Alive, false, true)]
    [InlineData(EcuStatus.Alive, true, false)]
    [InlineData(EcuStatus.Fenced, false, false)]
    [InlineData(EcuStatus.Unknown, false, false)]
    public void Reply_AnAliveEcuWithoutItsAgent_AsksForIt(EcuStatus status, bool attached, bool needsAgent)
    {
        _state.Status = status;
        _state.FailureEpoch = 2;
        _state.NextProgramId = 5;

        Assert.Equal(new HeartbeatReply(status, 2, needsAgent, 5), Lifecycle.Reply(attached));
    }

    /// <summary>Registers and makes the ECU alive with programs 0 .. <paramref name="programs"/> − 1.</summary>
    private void Alive(int programs)
    {
        Lifecycle.Register(Registration);
        Lifecycle.BecomeAlive();
        for (var id = 0; id < programs; id++)
        {
            Catalogue.Add(new ProgramEntry(id, new ProgramInfo($"p{id}", 1L << 20), null, TestClock.Start));
        }
    }
}
