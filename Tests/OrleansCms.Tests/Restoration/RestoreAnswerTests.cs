using OrleansCms.Checkpoints;
using OrleansCms.Ecus;
using OrleansCms.Restoration;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Restoration;

/// <summary>What a refused or unanswered restore command means: sent elsewhere only if no copy of it can run.</summary>
public sealed class RestoreAnswerTests
{
    private const string Target = "aa:00:00:00:00:02";

    [Fact]
    public void AfterRefusal_NothingRegistered_Refused()
    {
        var answer = RestoreAnswer.AfterRefusal("StartFailed: no binary", registered: null);

        Assert.Equal(new RestoreAnswer.Refused("StartFailed: no binary"), answer);
    }

    [Theory]
    [InlineData(ProgramEntryStatus.Active)]
    [InlineData(ProgramEntryStatus.Crashed)]
    [InlineData(ProgramEntryStatus.Retired)]
    [InlineData(ProgramEntryStatus.Abandoned)]
    public void AfterRefusal_ARepeatFoundTheFirstCopyRegistered_HandedOver(ProgramEntryStatus status)
    {
        var answer = RestoreAnswer.AfterRefusal("Unavailable: fenced", Registered(status));

        Assert.Equal(new RestoreAnswer.HandedOver(7), answer);
    }

    [Fact]
    public void AfterRefusal_TheRegisteredCopyWasStopped_Refused()
    {
        Assert.IsType<RestoreAnswer.Refused>(RestoreAnswer.AfterRefusal("StartFailed", Registered(ProgramEntryStatus.Stopped)));
    }

    [Fact]
    public void AfterNoAnswer_TargetAlive_TheSameCommandAgain()
    {
        var answer = RestoreAnswer.AfterNoAnswer(Target, EcuStatus.Alive, "its agent is not attached", Registered(ProgramEntryStatus.Active));

        Assert.Equal(new RestoreAnswer.Retry($"waiting for {Target}: its agent is not attached"), answer);
    }

    [Theory]
    [InlineData(EcuStatus.Failed)]
    [InlineData(EcuStatus.Fenced)]
    [InlineData(EcuStatus.Retired)]
    public void AfterNoAnswer_TargetGone_NeverStartedItThereRefused(EcuStatus status)
    {
        var answer = RestoreAnswer.AfterNoAnswer(Target, status, "timeout", registered: null);

        Assert.Equal(new RestoreAnswer.Refused($"{Target} is {status} and never started it"), answer);
    }

    [Theory]
    [InlineData(ProgramEntryStatus.Active)]
    [InlineData(ProgramEntryStatus.Stopped)]
    public void AfterNoAnswer_TargetGoneAfterRegisteringIt_HandedOverWhateverTheEntrysStatus(ProgramEntryStatus status)
    {
        var answer = RestoreAnswer.AfterNoAnswer(Target, EcuStatus.Failed, "timeout", Registered(status));

        Assert.Equal(new RestoreAnswer.HandedOver(7), answer);
    }

    private static ProgramEntry Registered(ProgramEntryStatus status) =>
        new(7, new ProgramInfo("p", 1L << 20), new ProgramOrigin(new CheckpointKey(Target, 1), 1, "cmd", "root"), TestClock.Start, status);
}
