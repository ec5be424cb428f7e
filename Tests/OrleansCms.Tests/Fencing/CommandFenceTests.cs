using Microsoft.Extensions.Time.Testing;
using OrleansCms.Agent;
using OrleansCms.Ecus;
using OrleansCms.Tests.Fixtures;

namespace OrleansCms.Tests.Fencing;

/// <summary>The agent's in-memory fencing rule: per logical program, an older token (or the same under another id) is refused.</summary>
public sealed class CommandFenceTests
{
    private const string Root = "aa:00:00:00:00:01/3";

    private readonly CommandFence _fence = new(new FakeTimeProvider(TestClock.Start));

    [Fact]
    public void Admit_OlderToken_RefusedWithTheNewerMark()
    {
        Assert.Null(_fence.Admit(Root, new FencingToken(2, 5), "new"));

        var newest = _fence.Admit(Root, new FencingToken(2, 4), "old");

        Assert.Equal(new FencingMark(new FencingToken(2, 5), "new", TestClock.Start), newest);
        Assert.NotNull(_fence.Admit(Root, new FencingToken(1, 99), "older generation"));
    }

    [Fact]
    public void Admit_SameTokenAndId_TheRepeat_SameTokenOtherId_Refused()
    {
        Assert.Null(_fence.Admit(Root, new FencingToken(2, 5), "cmd"));

        Assert.Null(_fence.Admit(Root, new FencingToken(2, 5), "cmd"));
        Assert.NotNull(_fence.Admit(Root, new FencingToken(2, 5), "other"));
    }

    [Fact]
    public void Admit_NewerTokenOrAnotherProgram_Taken_AndTheNewerOneFencesFromThenOn()
    {
        Assert.Null(_fence.Admit(Root, new FencingToken(2, 5), "a"));
        Assert.Null(_fence.Admit(Root, new FencingToken(3, 1), "b"));
        Assert.Null(_fence.Admit("aa:00:00:00:00:01/4", new FencingToken(1, 1), "c"));

        Assert.NotNull(_fence.Admit(Root, new FencingToken(2, 5), "a"));
    }
}
