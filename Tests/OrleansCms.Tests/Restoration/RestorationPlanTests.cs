using Microsoft.Extensions.Time.Testing;
using System.Collections.Immutable;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>A restoration's decisions on its state, without grains: claim, version, placement, answers, finish.</summary>
public sealed class RestorationPlanTests
{
    private const long MiB = 1L << 20;
    private const string Id = "failure:aa:00:00:00:00:01:1";
    private const string Source = "aa:00:00:00:00:01";
    private const string T1 = "aa:00:00:00:00:02";
    private const string T2 = "aa:00:00:00:00:03";

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly RestorationState _state = new();

    public static TheoryData<string, RestorationRequest?> BadRequests => new()
    {
        { "null", null },
        { "blank source", new RestorationRequest(RestorationKind.Failure, " ", [Entry(0)], "test") },
        { "null program", new RestorationRequest(RestorationKind.Failure, Source, [Entry(0) with { Program = null! }], "test") },
        { "program twice", new RestorationRequest(RestorationKind.Failure, Source, [Entry(0), Entry(0)], "test") },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Validate_BadRequest_ThrowsArgumentException(string name, RestorationRequest? request)
    {
        var error = Assert.Throws<ArgumentException>(() => RestorationPlan.Validate(request));
        Assert.False(string.IsNullOrEmpty(error.Message), name);
    }

    [Fact]
    public void Begin_FirstStart_OnePendingItemPerProgram_ASecondStartChangesNothing()
    {
        var plan = Plan(RestorationKind.Failure, Entry(3, "a"), Entry(5, "b"));

        Assert.Equal([(3, "a"), (5, "b")], _state.Items.Select(i => (i.ProgramId, i.Name)));
        Assert.All(_state.Items, i => Assert.Equal(RestorationOutcome.Pending, i.Outcome));
        Assert.Equal(TestClock.Start, _state.StartedAt);
        Assert.Null(_state.FinishedAt);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(plan.Begin(Request(RestorationKind.Crash, Entry(7))));
        Assert.Equal(RestorationKind.Failure, _state.Request!.Kind);
        Assert.Equal(TestClock.Start, _state.StartedAt);
        Assert.Equal(2, _state.Items.Count);
    }

    [Fact]
    public void MayStartCopies_NotBeforeTheFailedEcusLeaseEnds()
    {
        var plan = new RestorationPlan(_state, Id, _clock);
        plan.Begin(Request(RestorationKind.Failure, Entry(1)) with { NotBefore = TestClock.Start.AddSeconds(2) });

        Assert.False(plan.MayStartCopies());
        _clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.False(plan.MayStartCopies());
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(plan.MayStartCopies());
    }

    [Fact]
    public void MayStartCopies_NoDeadline_AtOnce() => Assert.True(Plan(RestorationKind.Crash, Entry(1)).MayStartCopies());

    [Fact]
    public void Begin_NoPrograms_FinishedAtOnce()
    {
        Plan(RestorationKind.Failure);

        Assert.Equal(TestClock.Start, _state.FinishedAt);
    }

    [Theory]
    [InlineData(RestorationKind.Failure, RestorationOutcome.HandedOver)]
    [InlineData(RestorationKind.Crash, RestorationOutcome.HandedOver)]
    [InlineData(RestorationKind.Migration, RestorationOutcome.Abandoned)]
    public void ClaimRefused_HeldByAnother_ItCarriesTheCopyOnOrTheMigrationGivesUp(RestorationKind kind, RestorationOutcome outcome)
    {
        var plan = Plan(kind, Entry(0));

        plan.ClaimRefused(0, "failure:other:1");

        var item = _state.Items[0];
        Assert.Equal(outcome, item.Outcome);
        Assert.True(item.IsDone);
        Assert.Equal("held by failure:other:1", item.Detail);
        Assert.Empty(plan.ToClaim());
        Assert.Empty(plan.ToStopSource());
    }

    [Fact]
    public void ChooseVersion_StoredVersions_NewestFromTheSourceCopy()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));

        Assert.True(plan.ChooseVersion(0, [Manifest(3), Manifest(2), Manifest(1)]));

        var item = _state.Items[0];
        Assert.Equal(($"{Source}/4", 3L, TestClock.Start), (item.ReadFrom, item.Version, item.ClaimedAt));
        Assert.Empty(plan.ToClaim());
        Assert.Equal([0], plan.ToPlace());
    }

    [Fact]
    public void ChooseVersion_NoVersionsButAnOrigin_RestoresTheOrigin()
    {
        var origin = new ProgramOrigin(new CheckpointKey(T2, 9), 6, "cmd", $"{T2}/9");
        var plan = Plan(RestorationKind.Failure, Entry(4) with { Origin = origin });

        Assert.True(plan.ChooseVersion(0, []));

        Assert.Equal(($"{T2}/9", 6L), (_state.Items[0].ReadFrom, _state.Items[0].Version));
    }

    [Fact]
    public void ChooseVersion_NeverCheckpointed_RestartedFromItsDeclaration()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4, "never") with { Program = new ProgramInfo("never", 16 * MiB, Command: ["sample"]) });

        Assert.True(plan.ChooseVersion(0, []));

        var item = _state.Items[0];
        Assert.Equal((RestorationOutcome.Pending, $"{Source}/4", RestorationPlan.FreshVersion), (item.Outcome, item.ReadFrom, item.Version));
        Assert.Equal([0], plan.ToPlace());
        var manifest = plan.FreshManifest(0);
        Assert.Equal(("never", 0L, 0), (manifest.Program.Name, manifest.TotalSize, manifest.Chunks.Length));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", manifest.Sha256);
    }

    [Fact]
    public void ChooseVersion_RestoredCopyWhoseOriginWasAFreshStart_RestartedFromItsDeclarationAgain()
    {
        var fresh = Entry(4) with
        {
            Program = new ProgramInfo("p", 16 * MiB, Command: ["sample"]),
            Origin = new ProgramOrigin(new CheckpointKey(T2, 1), RestorationPlan.FreshVersion, "cmd", "root"),
        };
        var plan = Plan(RestorationKind.Failure, fresh);

        Assert.True(plan.ChooseVersion(0, []));

        Assert.Equal(($"{Source}/4", RestorationPlan.FreshVersion), (_state.Items[0].ReadFrom, _state.Items[0].Version));
    }

    [Fact]
    public void ChooseVersion_NeverCheckpointedAndNoCommandToStartItWith_NoCheckpointAndDone()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));

        Assert.False(plan.ChooseVersion(0, []));

        Assert.Equal(RestorationOutcome.NoCheckpoint, _state.Items[0].Outcome);
        Assert.True(plan.Finish());
    }

    [Fact]
    public void ChooseOlderVersion_EveryVersionCorrupt_NoCheckpointAndDone()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        Assert.True(plan.ChooseVersion(0, [Manifest(1)]));

        Assert.False(plan.ChooseOlderVersion(0, [Manifest(1)]));

        var item = _state.Items[0];
        Assert.Equal(RestorationOutcome.NoCheckpoint, item.Outcome);
        Assert.True(item.IsDone);
        Assert.Empty(plan.ToPlace());
        Assert.True(plan.Finish());
    }

    [Fact]
    public void ChooseOlderVersion_AfterACorruptVersion_TheNextOlderAndTheFirstClaimTimeStays()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        IReadOnlyList<CheckpointManifest> versions = [Manifest(3), Manifest(2), Manifest(1)];
        plan.ChooseVersion(0, versions);
        Place(plan, T1);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(plan.Record(0, new RestoreAnswer.Corrupt("digest mismatch")));
        Assert.Equal(RestorationOutcome.Pending, _state.Items[0].Outcome);
        Assert.True(plan.ChooseOlderVersion(0, versions));

        var item = _state.Items[0];
        Assert.Equal((2L, (string?)null, TestClock.Start), (item.Version, item.TargetMac, item.ClaimedAt));
        Assert.Equal([0], plan.ToPlace());
    }

    [Fact]
    public void ChooseOlderVersion_OldestCorrupt_TheOriginOnceThenNoCheckpoint()
    {
        var origin = new ProgramOrigin(new CheckpointKey(T2, 9), 6, "cmd", $"{T2}/9");
        var plan = Plan(RestorationKind.Failure, Entry(4) with { Origin = origin });
        IReadOnlyList<CheckpointManifest> versions = [Manifest(1)];
        plan.ChooseVersion(0, versions);

        plan.Record(0, new RestoreAnswer.Corrupt("v1"));
        Assert.True(plan.ChooseOlderVersion(0, versions));
        Assert.Equal(($"{T2}/9", 6L), (_state.Items[0].ReadFrom, _state.Items[0].Version));

        // The origin's versions are not the source's: the claim's versions do not apply to it, and it is not tried twice.
        plan.Record(0, new RestoreAnswer.Corrupt("origin"));
        Assert.False(plan.ChooseOlderVersion(0, [Manifest(5)]));
        Assert.Equal(RestorationOutcome.NoCheckpoint, _state.Items[0].Outcome);
    }

    [Fact]
    public void KeepMigrating_NoCheckpointAtAll_AbandonedBeforeAnythingIsClaimed()
    {
        var plan = Plan(RestorationKind.Migration, Entry(4));

        Assert.False(plan.KeepMigrating(0, hasStoredVersion: false));

        var item = _state.Items[0];
        Assert.Equal(RestorationOutcome.Abandoned, item.Outcome);
        Assert.Null(item.ClaimedAt);
        Assert.True(item.IsDone);
    }

    [Fact]
    public void KeepMigrating_AStoredVersionOrAnOrigin_GoesOn()
    {
        var origin = new ProgramOrigin(new CheckpointKey(T2, 9), 6, "cmd", $"{T2}/9");
        var plan = Plan(RestorationKind.Migration, Entry(4), Entry(5) with { Origin = origin });

        Assert.True(plan.KeepMigrating(0, hasStoredVersion: true));
        Assert.True(plan.KeepMigrating(1, hasStoredVersion: false));
        Assert.All(_state.Items, i => Assert.Equal(RestorationOutcome.Pending, i.Outcome));
    }

    [Fact]
    public void Place_Failure_NeverOnTheSourceAndACommandIdPerAttempt()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        plan.ChooseVersion(0, [Manifest(1)]);

        Assert.Empty(plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(Source, cpu: 0.0), Ecu(T1, cpu: 0.5)]));

        var item = _state.Items[0];
        Assert.Equal((RestorationOutcome.Assigned, T1, 1, $"{Id}/4/1"), (item.Outcome, item.TargetMac, item.Attempts, item.CommandId));
        Assert.Equal([0], plan.ToSend());
    }

    [Fact]
    public void Place_Crash_PrefersTheSameEcu()
    {
        var plan = Plan(RestorationKind.Crash, Entry(4), targetMac: Source);
        plan.ChooseVersion(0, [Manifest(1)]);

        plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(Source, cpu: 0.9), Ecu(T1, cpu: 0.0)]);

        Assert.Equal(Source, _state.Items[0].TargetMac);
    }

    [Fact]
    public void Place_AfterARefusal_NeverThatTargetAgainAndANewCommandId()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        plan.ChooseVersion(0, [Manifest(1)]);
        Place(plan, T1);

        Assert.Null(plan.Record(0, new RestoreAnswer.Refused("StartFailed: no binary")));
        Assert.Equal((RestorationOutcome.Pending, (string?)null), (_state.Items[0].Outcome, _state.Items[0].TargetMac));
        Assert.Contains(T1, _state.Excluded[4]);

        // T1 is still the better candidate, yet the program goes to T2 under a command id of its own.
        plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(T1, cpu: 0.0), Ecu(T2, cpu: 0.9)]);
        var item = _state.Items[0];
        Assert.Equal((T2, 2, $"{Id}/4/2"), (item.TargetMac, item.Attempts, item.CommandId));
    }

    [Fact]
    public void Place_RefusedByEveryCandidate_PendingWithTheReason()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        plan.ChooseVersion(0, [Manifest(1)]);
        Place(plan, T1);
        plan.Record(0, new RestoreAnswer.Refused("no"));

        var pending = plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(T1)]);

        Assert.Equal([(4, $"no alive ECU other than {Source}")], pending);
        Assert.Equal(RestorationOutcome.Pending, _state.Items[0].Outcome);
    }

    [Fact]
    public void Place_CheckpointLargerThanTheBestEcuHolds_GoesWhereItFits()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        plan.ChooseVersion(0, [Manifest(1)]);

        plan.Place(Policy(), new Dictionary<int, long> { [0] = 500 * MiB }, [Ecu(T1, cpu: 0.0, usedMiB: 800), Ecu(T2, cpu: 0.9)]);

        Assert.Equal(T2, _state.Items[0].TargetMac);
    }

    [Fact]
    public void Place_NothingFits_TheReasonReportedOnceUntilItChanges()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));
        plan.ChooseVersion(0, [Manifest(1)]);
        var events = _state.Items[0].Events!.Count;

        Assert.Equal([(4, $"no alive ECU other than {Source}")], plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(Source)]));
        Assert.Empty(plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(Source)]));
        Assert.Equal(events + 1, _state.Items[0].Events!.Count);
        var changed = Assert.Single(plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(T1, usedMiB: 1000)]));
        Assert.StartsWith("no alive ECU with 16 MiB free RAM", changed.Reason);
    }

    [Fact]
    public void Record_StartedAfterAFailure_RunningAndTheSourceRetiredInFavourOfTheNewCopy()
    {
        var plan = PlacedPlan(RestorationKind.Failure);
        _clock.Advance(TimeSpan.FromSeconds(2));

        var successor = plan.Record(0, new RestoreAnswer.Started(new RestoreResult(T1, 7)));

        var item = _state.Items[0];
        Assert.Equal($"{T1}/7", successor);
        Assert.Equal((RestorationOutcome.Running, T1, 7, true), (item.Outcome, item.TargetMac, item.NewProgramId, item.SourceStopped));
        Assert.Equal(TestClock.Start.AddSeconds(2), item.RunningAt);
        Assert.True(plan.Finish());
        Assert.Equal(TestClock.Start.AddSeconds(2), _state.FinishedAt);
        Assert.Equal("1 Running", plan.Summary());
    }

    [Fact]
    public void Record_StartedForAMigration_TheSourceCopyStopsFirst()
    {
        var plan = PlacedPlan(RestorationKind.Migration);

        Assert.Null(plan.Record(0, new RestoreAnswer.Started(new RestoreResult(T1, 7))));

        Assert.False(_state.Items[0].SourceStopped);
        Assert.Equal([0], plan.ToStopSource());
        Assert.False(plan.Finish());
        var stop = plan.StopCommand(0);
        Assert.Equal(($"{Id}/stop", 4, new CheckpointKey(T1, 7)), (stop.CommandId, stop.ProgramId, stop.Successor));
        Assert.Equal($"migrated to {T1}/7", stop.Reason);

        plan.SourceStopped(0, "source copy stopped");
        Assert.Empty(plan.ToStopSource());
        Assert.True(plan.Finish());
    }

    [Theory]
    [InlineData(RestorationKind.Failure)]
    [InlineData(RestorationKind.Migration)]
    public void Record_HandedOver_TheFailedTargetsRestorationCarriesTheCopyOn(RestorationKind kind)
    {
        var plan = PlacedPlan(kind);

        var successor = plan.Record(0, new RestoreAnswer.HandedOver(8));

        var item = _state.Items[0];
        Assert.Equal((RestorationOutcome.HandedOver, 8), (item.Outcome, item.NewProgramId));
        Assert.Empty(plan.ToSend());
        Assert.Empty(plan.ToPlace());
        if (kind == RestorationKind.Migration)
        {
            Assert.Null(successor);
            Assert.Equal([0], plan.ToStopSource());
        }
        else
        {
            Assert.Equal($"{T1}/8", successor);
            Assert.True(item.IsDone);
        }
    }

    [Fact]
    public void Record_Retry_TheSameCommandAgainAndTheReasonNotedOnce()
    {
        var plan = PlacedPlan(RestorationKind.Failure);
        var events = _state.Items[0].Events!.Count;

        plan.Record(0, new RestoreAnswer.Retry("waiting for the target"));
        plan.Record(0, new RestoreAnswer.Retry("waiting for the target"));

        var item = _state.Items[0];
        Assert.Equal((RestorationOutcome.Assigned, $"{Id}/4/1", "waiting for the target"), (item.Outcome, item.CommandId, item.Detail));
        Assert.Equal(events + 1, item.Events!.Count);
        Assert.Equal([0], plan.ToSend());
    }

    [Fact]
    public void Command_RestoresTheVersionReadUnderItsLineagesRoot()
    {
        var origin = new ProgramOrigin(new CheckpointKey(T2, 9), 6, "cmd", "root/0");
        var plan = Plan(RestorationKind.Failure, Entry(4) with { Origin = origin });
        plan.ChooseVersion(0, [Manifest(2)]);
        Place(plan, T1);

        var command = plan.Command(0, Manifest(2));

        Assert.Equal(($"{Id}/4/1", new CheckpointKey(Source, 4), 2L, "root/0"), (command.CommandId, command.Source, command.Manifest.Version, command.Root));
    }

    [Fact]
    public void Note_ManyEvents_TheLatestTwentyKeptWithTheirTime()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));

        for (var i = 0; i < 25; i++)
        {
            plan.Note(0, $"event {i}");
        }

        var events = _state.Items[0].Events!;
        Assert.Equal(20, events.Count);
        Assert.Equal("12:00:00.000 event 5", events[0]);
        Assert.Equal("12:00:00.000 event 24", events[^1]);
    }

    [Fact]
    public void Finish_SomeProgramsNotDone_NotFinished()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4), Entry(5));
        plan.ChooseVersion(0, []);

        Assert.False(plan.Finish());
        Assert.Null(_state.FinishedAt);
    }

    [Fact]
    public void View_ShowsTheRequestAndItsItems()
    {
        var plan = Plan(RestorationKind.Crash, Entry(4), targetMac: Source);

        var view = plan.View("silo-1");

        Assert.Equal((Id, RestorationKind.Crash, Source, "test", "silo-1"), (view.Id, view.Kind, view.SourceMac, view.Reason, view.RunsOn));
        Assert.Equal([4], view.Programs.Select(p => p.ProgramId));
    }

    [Fact]
    public void Place_EveryPlacementPersisted_AGreaterTokenOfTheGenerationAfterTheSourceCopys()
    {
        var origin = new ProgramOrigin(new CheckpointKey(T2, 9), 6, "cmd", $"{T2}/9", new FencingToken(3, 40));
        var plan = Plan(RestorationKind.Failure, Entry(4) with { Origin = origin });
        plan.ChooseVersion(0, [Manifest(1)]);

        Place(plan, T1);
        var first = plan.Command(0, Manifest(1));
        plan.Record(0, new RestoreAnswer.Refused("no room"));
        Place(plan, T2);
        var second = plan.Command(0, Manifest(1));

        Assert.Equal(new FencingToken(4, 1), first.Token);
        Assert.Equal(new FencingToken(4, 2), second.Token);
        Assert.True(second.Token > first.Token);
        Assert.True(first.Token > origin.Token);
        Assert.Equal(($"{T2}/9", $"{T2}/9"), (first.Root, second.Root));
        Assert.Equal(2, _state.Sequence);
        Assert.Equal(second.Token, plan.Command(0, Manifest(1)).Token); // a resend repeats the persisted token
    }

    [Fact]
    public void Place_ACopyNeverRestored_TheFirstGeneration()
    {
        var plan = PlacedPlan(RestorationKind.Crash);

        Assert.Equal(new FencingToken(1, 1), plan.Command(0, Manifest(1)).Token);
        Assert.Equal($"{Source}/4", plan.Command(0, Manifest(1)).Root);
    }

    [Fact]
    public void StopCommand_CarriesTheTokenAndRootOfTheDecisionThatPlacedTheSuccessor()
    {
        var plan = PlacedPlan(RestorationKind.Migration);
        plan.Record(0, new RestoreAnswer.Started(new RestoreResult(T1, 7)));

        var stop = plan.StopCommand(0);

        Assert.Equal((_state.Items[0].Token, $"{Source}/4"), (stop.Token, stop.Root));
    }

    [Fact]
    public void Migration_NoTargetYet_NothingClaimed_ClaimedOnlyOncePlacedAndSentOnlyOnceClaimed()
    {
        var plan = Plan(RestorationKind.Migration, Entry(4));

        Assert.Empty(plan.ToClaim());
        Assert.Equal([0], plan.ToPlace());
        var pending = plan.Place(Policy(), new Dictionary<int, long>(), []);
        Assert.Single(pending);
        Assert.Empty(plan.ToClaim());
        Assert.Empty(plan.ToSend());

        Place(plan, T1);
        Assert.Equal([0], plan.ToClaim());
        Assert.Empty(plan.ToSend());

        Assert.True(plan.KeepMigrating(0, hasStoredVersion: true));
        Assert.True(plan.ChooseVersion(0, [Manifest(2)]));
        var item = _state.Items[0];
        Assert.Equal((RestorationOutcome.Assigned, T1, 2L), (item.Outcome, item.TargetMac, item.Version));
        Assert.Empty(plan.ToClaim());
        Assert.Equal([0], plan.ToSend());
    }

    [Fact]
    public void Failure_ClaimsBeforeItIsPlaced()
    {
        var plan = Plan(RestorationKind.Failure, Entry(4));

        Assert.Equal([0], plan.ToClaim());
        Assert.Empty(plan.ToPlace());
    }

    [Theory]
    [InlineData(RestorationKind.Failure, RestorationOutcome.HandedOver)]
    [InlineData(RestorationKind.Migration, RestorationOutcome.Abandoned)]
    public void Record_Superseded_SentNowhereElseAndNothingStopped(RestorationKind kind, RestorationOutcome outcome)
    {
        var plan = PlacedPlan(kind);

        Assert.Null(plan.Record(0, new RestoreAnswer.Superseded("token 1.1 is older than 2.1")));

        var item = _state.Items[0];
        Assert.Equal(outcome, item.Outcome);
        Assert.True(item.IsDone);
        Assert.Empty(plan.ToPlace());
        Assert.Empty(plan.ToSend());
        Assert.Empty(plan.ToStopSource());
        Assert.True(plan.Finish());
    }

    private RestorationPlan Plan(RestorationKind kind, params ProgramEntry[] programs) => Plan(kind, programs, targetMac: null);

    private RestorationPlan Plan(RestorationKind kind, ProgramEntry program, string targetMac) => Plan(kind, [program], targetMac);

    private RestorationPlan Plan(RestorationKind kind, ProgramEntry[] programs, string? targetMac)
    {
        var plan = new RestorationPlan(_state, Id, _clock);
        Assert.True(plan.Begin(Request(kind, programs) with { TargetMac = targetMac }));
        return plan;
    }

    /// <summary>Program 4, claimed at v1 and assigned to T1.</summary>
    private RestorationPlan PlacedPlan(RestorationKind kind)
    {
        var plan = Plan(kind, Entry(4));
        if (kind == RestorationKind.Migration)
        {
            // A migration is placed first and claims only then.
            Place(plan, T1);
            Assert.True(plan.KeepMigrating(0, hasStoredVersion: true));
            plan.ChooseVersion(0, [Manifest(1)]);
            return plan;
        }

        plan.ChooseVersion(0, [Manifest(1)]);
        Place(plan, T1);
        return plan;
    }

    private static void Place(RestorationPlan plan, string target) =>
        Assert.Empty(plan.Place(Policy(), new Dictionary<int, long>(), [Ecu(target)]));

    private static RestorationRequest Request(RestorationKind kind, params ProgramEntry[] programs) => new(kind, Source, programs, "test");

    private static ProgramEntry Entry(int id, string name = "p") => new(id, new ProgramInfo(name, 16 * MiB), null, TestClock.Start);

    private static CheckpointManifest Manifest(long version) =>
        new(version, 1000, "sha", ImmutableArray<ChunkRef>.Empty, new ProgramInfo("p", 16 * MiB), TestClock.Start);

    private static PlacementPolicy Policy() => new(new PlacementOptions());

    private static PlacementCandidate Ecu(string mac, double cpu = 0.2, long usedMiB = 100) => new(mac, 1000 * MiB, usedMiB * MiB, cpu, false, 0);
}
