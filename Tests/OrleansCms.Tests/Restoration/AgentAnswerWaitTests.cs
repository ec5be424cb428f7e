using OrleansCms.Ecus;
using OrleansCms.Restoration;

namespace OrleansCms.Tests.Restoration;

/// <summary>Waiting for an agent's answer stops at the timeout, or as soon as its ECU is no longer alive.</summary>
public sealed class AgentAnswerWaitTests
{
    private const string Mac = "aa:00:00:00:00:01";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    private readonly AgentAnswerWait _wait = new(TimeProvider.System, Poll);

    [Fact]
    public async Task AnsweredAsync_AgentAnswers_TheAnswer()
    {
        var asked = 0;
        var answer = await _wait.AnsweredAsync(Mac, DelayedAsync(42, TimeSpan.FromMilliseconds(200)), TimeSpan.FromSeconds(30), () =>
        {
            asked++;
            return Task.FromResult(EcuStatus.Alive);
        });

        Assert.Equal(42, answer);
        Assert.True(asked > 0, "the ECU's status is checked while the call is unanswered");
    }

    [Fact]
    public async Task AnsweredAsync_AgentFails_ItsExceptionPropagates()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _wait.AnsweredAsync(Mac, Task.FromException(new InvalidOperationException("refused")), TimeSpan.FromSeconds(30), Alive));

        Assert.Equal("refused", error.Message);
    }

    [Theory]
    [InlineData(EcuStatus.Failed)]
    [InlineData(EcuStatus.Fenced)]
    [InlineData(EcuStatus.Retired)]
    public async Task AnsweredAsync_EcuStopsBeingAlive_GivesUpLongBeforeTheTimeout(EcuStatus status)
    {
        var asked = 0;
        var started = TimeProvider.System.GetTimestamp();

        var error = await Assert.ThrowsAsync<EcuNotAliveException>(() =>
            _wait.AnsweredAsync(Mac, new TaskCompletionSource<int>().Task, TimeSpan.FromMinutes(5), () =>
                Task.FromResult(++asked < 3 ? EcuStatus.Alive : status)));

        Assert.Equal($"{Mac} is {status}; its agent will not answer", error.Message);
        Assert.Equal(3, asked);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AnsweredAsync_NoAnswerFromALivingEcu_TimesOut()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            _wait.AnsweredAsync(Mac, new TaskCompletionSource().Task, TimeSpan.FromMilliseconds(200), Alive));

        Assert.Equal($"{Mac} did not answer within 0.2 s", error.Message);
    }

    private static Task<EcuStatus> Alive() => Task.FromResult(EcuStatus.Alive);

    private static async Task<int> DelayedAsync(int value, TimeSpan delay)
    {
        await Task.Delay(delay);
        return value;
    }
}
