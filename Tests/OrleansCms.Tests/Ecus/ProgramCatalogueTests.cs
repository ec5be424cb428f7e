using Microsoft.Extensions.Time.Testing;
using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Ecus;

/// <summary>An ECU's catalogue without a grain: IDs used once, registrations repeated safely, ends, crashes, migrations.</summary>
public sealed class ProgramCatalogueTests
{
    private const long MiB = 1L << 20;
    private const string Mac = "aa:00:00:00:00:01";
    private const string Other = "aa:00:00:00:00:02";

    private readonly FakeTimeProvider _clock = new(TestClock.Start);
    private readonly EcuState _state = new() { Status = EcuStatus.Alive };

    private ProgramCatalogue Catalogue => new(_state, Mac, _clock);

    [Fact]
    public void Add_NewId_ActiveFromNowAndTheNextFreeIdMovesPastIt()
    {
        _clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal((4, true), Catalogue.Add(Entry(4)));

        var entry = Assert.Single(_state.Catalogue);
        Assert.Equal((ProgramEntryStatus.Active, TestClock.Start.AddSeconds(3)), (entry.Status, entry.StartedAt));
        Assert.Equal(5, _state.NextProgramId);
    }

    [Fact]
    public void Add_AnIdUsedBefore_Refused()
    {
        Catalogue.Add(Entry(4));
        Catalogue.End(4, ProgramEntryStatus.Stopped, "test", null);

        Assert.Throws<ArgumentException>(() => Catalogue.Add(Entry(2, "below the next free ID")));
        Assert.Throws<ArgumentException>(() => Catalogue.Add(Entry(4, "another")));
        Assert.Single(_state.Catalogue);
    }

    [Fact]
    public void Add_RestoreCommandRepeated_TheFirstRegistrationStandsWhateverIdTheRepeatAsks()
    {
        var restored = Entry(0) with { Origin = Origin("cmd-1") };
        Assert.Equal((0, true), Catalogue.Add(restored));

        Assert.Equal((0, false), Catalogue.Add(restored with { ProgramId = 1 }));
        Assert.Single(_state.Catalogue);
    }

    [Fact]
    public void Add_RestoreCommandRepeatedOnAFailedEcu_StillAnsweredWithTheFirstId()
    {
        var restored = Entry(0) with { Origin = Origin("cmd-1") };
        Catalogue.Add(restored);
        _state.Status = EcuStatus.Failed;

        Assert.Equal((0, false), Catalogue.Add(restored));
        Assert.Throws<ProgramNotRegisteredException>(() => Catalogue.Add(Entry(1) with { Origin = Origin("cmd-2") }));
    }

    [Fact]
    public void Add_RestoreCommandRepeatedAfterItsProgramEnded_Refused()
    {
        var restored = Entry(0) with { Origin = Origin("cmd-1") };
        Catalogue.Add(restored);
        Catalogue.End(0, ProgramEntryStatus.Stopped, "operator", null);

        var error = Assert.Throws<InvalidOperationException>(() => Catalogue.Add(restored));
        Assert.Contains("already Stopped", error.Message);
    }

    [Fact]
    public void Add_DeclaredRegistrationRepeated_OneEntry_ButAnotherProgramCannotTakeTheId()
    {
        Catalogue.Add(Entry(0, "declared"));

        Assert.Equal((0, false), Catalogue.Add(Entry(0, "declared")));
        Assert.Throws<ArgumentException>(() => Catalogue.Add(Entry(0, "other")));
        Assert.Single(_state.Catalogue);
    }

    [Theory]
    [InlineData(EcuStatus.Unknown)]
    [InlineData(EcuStatus.Failed)]
    [InlineData(EcuStatus.Fenced)]
    [InlineData(EcuStatus.Retired)]
    public void Add_EcuNotAlive_NotRegistered(EcuStatus status)
    {
        _state.Status = status;

        var error = Assert.Throws<ProgramNotRegisteredException>(() => Catalogue.Add(Entry(0)));

        Assert.Equal(status, error.Status);
        Assert.Empty(_state.Catalogue);
    }

    public static TheoryData<string, ProgramEntry> BadEntries => new()
    {
        { "negative ID", Entry(-1) },
        { "the last ID (no next free ID after it)", Entry(int.MaxValue) },
        { "blank name", Entry(0, " ") },
        { "no RAM", Entry(0) with { Program = new ProgramInfo("p", 0) } },
        { "WCET without period", Entry(0) with { Program = new ProgramInfo("p", MiB, Wcet: TimeSpan.FromMilliseconds(1)) } },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Add_BadEntry_RefusedEvenOnAnEcuThatIsNotAlive(string name, ProgramEntry entry)
    {
        _state.Status = EcuStatus.Failed;

        Assert.Throws<ArgumentException>(() => Catalogue.Add(entry));
        Assert.Empty(_state.Catalogue);
        Assert.False(string.IsNullOrEmpty(name));
    }

    [Fact]
    public void Add_UnderAMalformedKey_RefusedAsSuch()
    {
        var catalogue = new ProgramCatalogue(new EcuState(), "AA:00:00:00:00:01", _clock);

        Assert.Throws<ArgumentException>(() => catalogue.Add(Entry(-1)));
        Assert.Equal(RejectReason.MalformedMac, Assert.Throws<CheckpointRejectedException>(() => catalogue.Add(Entry(0))).Reason);
    }

    [Theory]
    [InlineData(ProgramEntryStatus.Active)]
    [InlineData(ProgramEntryStatus.Crashed)]
    [InlineData((ProgramEntryStatus)42)]
    public void End_NoEndState_Refused(ProgramEntryStatus status)
    {
        Catalogue.Add(Entry(0));

        Assert.Throws<ArgumentException>(() => Catalogue.End(0, status, "test", null));
        Assert.Equal(ProgramEntryStatus.Active, _state.Catalogue[0].Status);
    }

    [Fact]
    public void End_UnknownProgramOrTheSameEndAgain_NothingChanges()
    {
        Catalogue.Add(Entry(0));

        Assert.False(Catalogue.End(7, ProgramEntryStatus.Stopped, "test", null));
        Assert.True(Catalogue.End(0, ProgramEntryStatus.Retired, "failure", $"{Other}/3"));
        Assert.False(Catalogue.End(0, ProgramEntryStatus.Retired, "failure again", $"{Other}/3"));
        Assert.Equal("failure", _state.Catalogue[0].EndReason);
    }

    [Fact]
    public void End_EndedAgainLater_TheFirstEndTimeAndTheSuccessorStay()
    {
        Catalogue.Add(Entry(0));
        Catalogue.End(0, ProgramEntryStatus.Retired, "migration", $"{Other}/3");
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(Catalogue.End(0, ProgramEntryStatus.Stopped, "stopped", null));

        var entry = _state.Catalogue[0];
        Assert.Equal((ProgramEntryStatus.Stopped, $"{Other}/3", TestClock.Start, "stopped"), (entry.Status, entry.Successor, entry.EndedAt!.Value, entry.EndReason));
    }

    [Fact]
    public void End_MoreThanAHundredEnded_TheOldestEndedDroppedAndActiveOnesKept()
    {
        Catalogue.Add(Entry(0, "keeps running"));
        for (var id = 1; id <= 101; id++)
        {
            Catalogue.Add(Entry(id));
            _clock.Advance(TimeSpan.FromSeconds(1));
            Catalogue.End(id, ProgramEntryStatus.Stopped, "test", null);
        }

        Assert.Equal(101, _state.Catalogue.Count);
        Assert.Contains(_state.Catalogue, p => p.ProgramId == 0 && p.Status == ProgramEntryStatus.Active);
        Assert.DoesNotContain(_state.Catalogue, p => p.ProgramId == 1);
        Assert.Contains(_state.Catalogue, p => p.ProgramId == 2);
    }

    [Fact]
    public void ReportCrash_ActiveProgram_CrashedAndItsRestorationQueuedForThisEcu()
    {
        Catalogue.Add(Entry(3, "logger"));

        var (id, crashed) = Catalogue.ReportCrash(3, "exit code 139");

        Assert.Equal($"crash:{Mac}:3", id);
        Assert.Equal((ProgramEntryStatus.Crashed, "exit code 139"), (crashed!.Status, crashed.EndReason));
        Assert.Equal(ProgramEntryStatus.Crashed, _state.Catalogue[0].Status);
        var request = _state.Outbox[id];
        Assert.Equal((RestorationKind.Crash, Mac, Mac, "program crashed: exit code 139"), (request.Kind, request.SourceMac, request.TargetMac, request.Reason));
        Assert.Equal(ProgramEntryStatus.Active, Assert.Single(request.Programs).Status);
    }

    [Fact]
    public void ReportCrash_Repeated_TheSameIdAndNothingNew()
    {
        Catalogue.Add(Entry(3));
        var (id, _) = Catalogue.ReportCrash(3, "first");
        _state.Outbox.Clear();

        Assert.Equal((id, (ProgramEntry?)null), Catalogue.ReportCrash(3, "second"));
        Assert.Empty(_state.Outbox);
        Assert.Equal("first", _state.Catalogue[0].EndReason);
    }

    [Fact]
    public void ReportCrash_UnknownEndedOrOnAnEcuNotAlive_Refused()
    {
        Catalogue.Add(Entry(3));
        Catalogue.Add(Entry(4));
        Catalogue.End(4, ProgramEntryStatus.Stopped, "test", null);

        Assert.Throws<ArgumentException>(() => Catalogue.ReportCrash(9, "x"));
        Assert.Throws<InvalidOperationException>(() => Catalogue.ReportCrash(4, "x"));
        _state.Status = EcuStatus.Failed;
        Assert.Throws<InvalidOperationException>(() => Catalogue.ReportCrash(3, "x"));
        Assert.Empty(_state.Outbox);
    }

    [Fact]
    public void RequestMigration_AnyMacSpelling_QueuedWithTheCanonicalTargetAndANewIdEachTime()
    {
        Catalogue.Add(Entry(3));

        var first = Catalogue.RequestMigration(3, "AA-00-00-00-00-02");
        var second = Catalogue.RequestMigration(3, null);

        Assert.Equal(new[] { $"migration:{Mac}:3:1", $"migration:{Mac}:3:2" }, new[] { first, second });
        Assert.Equal((RestorationKind.Migration, Other), (_state.Outbox[first].Kind, _state.Outbox[first].TargetMac));
        Assert.Null(_state.Outbox[second].TargetMac);
        Assert.Equal(ProgramEntryStatus.Active, _state.Catalogue[0].Status);
    }

    [Fact]
    public void RequestMigration_BadTargetUnknownProgramOrToItself_Refused()
    {
        Catalogue.Add(Entry(3));

        Assert.Throws<ArgumentException>(() => Catalogue.RequestMigration(3, "not-a-mac"));
        Assert.Throws<ArgumentException>(() => Catalogue.RequestMigration(4, null));
        Assert.Throws<InvalidOperationException>(() => Catalogue.RequestMigration(3, Mac.ToUpperInvariant()));
        _state.Status = EcuStatus.Failed;
        Assert.Throws<InvalidOperationException>(() => Catalogue.RequestMigration(3, null));
        Assert.Empty(_state.Outbox);
        Assert.Equal(0, _state.MigrationCount);
    }

    [Fact]
    public void AbandonActive_OnlyTheActiveEntriesEnd()
    {
        Catalogue.Add(Entry(0));
        Catalogue.Add(Entry(1));
        Catalogue.End(1, ProgramEntryStatus.Retired, "earlier", $"{Other}/0");

        Catalogue.AbandonActive("the ECU was retired");

        Assert.Equal(
            [(ProgramEntryStatus.Abandoned, "the ECU was retired"), (ProgramEntryStatus.Retired, "earlier")],
            _state.Catalogue.Select(p => (p.Status, p.EndReason)));
        Assert.Empty(Catalogue.Active());
    }

    [Fact]
    public void FindByCommand_TheEntryTheCommandRegistered()
    {
        Catalogue.Add(Entry(0));
        Catalogue.Add(Entry(1) with { Origin = Origin("cmd-1") });

        Assert.Equal(1, Catalogue.FindByCommand("cmd-1")?.ProgramId);
        Assert.Null(Catalogue.FindByCommand("cmd-2"));
    }

    [Fact]
    public void Add_OlderTokenForTheSameProgram_RefusedAsStaleAndNothingAdded()
    {
        Catalogue.Add(Entry(0) with { Origin = Origin("cmd-new", new FencingToken(2, 5)) });

        var stale = Assert.Throws<StaleCommandException>(() => Catalogue.Add(Entry(1) with { Origin = Origin("cmd-old", new FencingToken(2, 4)) }));
        Assert.Throws<StaleCommandException>(() => Catalogue.Add(Entry(2) with { Origin = Origin("cmd-older", new FencingToken(1, 9)) }));

        Assert.Equal(($"{Other}/9", new FencingToken(2, 4), new FencingToken(2, 5)), (stale.Root, stale.Token, stale.Newest));
        Assert.Single(_state.Catalogue);
        Assert.Equal(1, _state.NextProgramId);
        Assert.Equal(new FencingMark(new FencingToken(2, 5), "cmd-new", TestClock.Start), _state.Fences[$"{Other}/9"]);
    }

    [Fact]
    public void Add_SameTokenAndCommand_TheIdempotentRepeat_SameTokenAnotherCommand_Refused()
    {
        var token = new FencingToken(2, 5);
        Catalogue.Add(Entry(0) with { Origin = Origin("cmd-1", token) });

        Assert.Equal((0, false), Catalogue.Add(Entry(1) with { Origin = Origin("cmd-1", token) }));
        Assert.Throws<StaleCommandException>(() => Catalogue.Add(Entry(1) with { Origin = Origin("cmd-2", token) }));
        Assert.Single(_state.Catalogue);
    }

    [Fact]
    public void Add_NewerTokenForTheSameProgram_OrAnotherProgram_Taken()
    {
        Catalogue.Add(Entry(0) with { Origin = Origin("cmd-1", new FencingToken(2, 5)) });
        Catalogue.End(0, ProgramEntryStatus.Stopped, "crashed", null);

        Assert.Equal((1, true), Catalogue.Add(Entry(1) with { Origin = Origin("cmd-2", new FencingToken(3, 1)) }));
        Assert.Equal((2, true), Catalogue.Add(Entry(2) with { Origin = new ProgramOrigin(new CheckpointKey(Other, 3), 1, "cmd-3", $"{Other}/3") }));
        Assert.Equal(new FencingToken(3, 1), _state.Fences[$"{Other}/9"].Token);
    }

    [Fact]
    public void Add_NoToken_FromBeforeTokens_NeitherCheckedNorRecorded()
    {
        Catalogue.Add(Entry(0) with { Origin = Origin("cmd-1") });
        Catalogue.Add(Entry(1) with { Origin = Origin("cmd-2") });

        Assert.Equal(2, _state.Catalogue.Count);
        Assert.Empty(_state.Fences);
    }

    [Fact]
    public void Add_StaleAfterTheEcuRejoined_StillRefused()
    {
        Catalogue.Add(Entry(0) with { Origin = Origin("cmd-new", new FencingToken(2, 5)) });
        Catalogue.AbandonActive("rejoined");

        Assert.Throws<StaleCommandException>(() => Catalogue.Add(Entry(1) with { Origin = Origin("cmd-old", new FencingToken(2, 4)) }));
    }

    private static ProgramEntry Entry(int id, string name = "p") => new(id, new ProgramInfo(name, 16 * MiB), null, DateTimeOffset.MinValue);

    private static ProgramOrigin Origin(string commandId, FencingToken token) => Origin(commandId) with { Token = token };

    private static ProgramOrigin Origin(string commandId) => new(new CheckpointKey(Other, 9), 1, commandId, $"{Other}/9");
}
