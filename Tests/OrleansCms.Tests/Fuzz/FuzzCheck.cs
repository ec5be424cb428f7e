using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace OrleansCms.Tests.Fuzz;

/// <summary>
/// Runs an FsCheck property over a fixed number of generated cases against the live system, replayably. The
/// random seed is <see cref="DefaultSeed"/> unless the environment variable CMS_FUZZ_SEED gives another:
/// <c>N</c> runs every property from seed N; <c>seed,gamma</c> replays a whole run exactly; <c>seed,gamma,size</c>
/// (what FsCheck prints after "Replay directly at failing step with") replays the one failing case.
/// </summary>
public static class FuzzCheck
{
    public const string SeedVariable = "CMS_FUZZ_SEED";
    public const ulong DefaultSeed = 20261128;

    /// <summary>Whether CMS_FUZZ_SEED names one failing case (seed,gamma,size), so that each property runs that case alone.</summary>
    public static bool ReplaysOneCase => ReadSeed().Replay.Size is not null;

    /// <summary>
    /// Checks <paramref name="property"/> (which asserts, and so throws on a violation) for <paramref name="count"/>
    /// cases drawn from <paramref name="cases"/>. Each case's ToString names it in a failure report, so keep it short.
    /// </summary>
    public static async Task RunAsync<T>(ITestOutputHelper output, string name, Gen<T> cases, Func<T, Task> property, int count)
    {
        var (replay, text) = ReadSeed();
        var expected = replay.Size is null ? count : 1;
        output.WriteLine($"{name}: {expected} cases, {SeedVariable}={text}");
        var config = Config.QuickThrowOnFailure
            .WithName(name)
            .WithMaxTest(count)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(replay));
        // The cases run against silos: no shrinking (each case already says what it changed), one at a time, and
        // off xUnit's synchronization context, since FsCheck waits for each case synchronously.
        var ran = 0;
        var checkedProperty = Prop.ForAll(cases.ToArbitrary(), (T value) =>
        {
            ran++;
            property(value).GetAwaiter().GetResult();
        });
        try
        {
            await Task.Run(() => Check.One(config, checkedProperty));
        }
        catch (Exception e)
        {
            throw new FuzzPropertyException(
                $"{name} was falsified (run with {SeedVariable}={text}; to replay only the failing case, set {SeedVariable} to the "
                + "three numbers FsCheck gives after \"Replay directly at failing step with\"; the case and its failure follow).", e);
        }

        Assert.True(ran == expected, $"{name} ran {ran} cases, not {expected}");
    }

    private static (Replay Replay, string Text) ReadSeed()
    {
        var raw = Environment.GetEnvironmentVariable(SeedVariable);
        if (string.IsNullOrWhiteSpace(raw))
        {
            return (new Replay(new Rnd(DefaultSeed), FSharpOption<int>.None), DefaultSeed.ToString(CultureInfo.InvariantCulture));
        }

        var parts = raw.Trim().Trim('(', ')').Split(',', StringSplitOptions.TrimEntries);
        try
        {
            var numbers = parts.Select(p => ulong.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            return numbers.Length switch
            {
                1 => (new Replay(new Rnd(numbers[0]), FSharpOption<int>.None), raw),
                2 => (new Replay(new Rnd(numbers[0], numbers[1]), FSharpOption<int>.None), raw),
                3 => (new Replay(new Rnd(numbers[0], numbers[1]), FSharpOption<int>.Some(checked((int)numbers[2]))), raw),
                _ => throw new FormatException("expected one to three numbers"),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidOperationException($"{SeedVariable}='{raw}' is not N, seed,gamma or seed,gamma,size (unsigned integers).", e);
        }
    }
}
