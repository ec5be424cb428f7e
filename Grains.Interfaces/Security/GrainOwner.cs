using OrleansCms.Checkpoints;

namespace OrleansCms.Security;

/// <summary>The ECU a CMS grain belongs to, read from its key: an ECU's grain is keyed by its MAC, a program's by MAC/id.</summary>
public static class GrainOwner
{
    /// <summary>The canonical MAC of the ECU that owns <paramref name="grain"/>, or null for a grain of no ECU.</summary>
    public static string? MacOf(GrainId grain)
    {
        var key = grain.Key.ToString();
        var slash = key.LastIndexOf('/');
        return MacAddress.TryNormalize(slash < 0 ? key : key[..slash], out var mac) ? mac : null;
    }

    /// <summary>The callers an interface admits (<see cref="Callers.Cms"/> when it is not marked).</summary>
    public static CalledByAttribute CallersOf(Type? grainInterface) =>
        grainInterface?.GetCustomAttributes(typeof(CalledByAttribute), inherit: false) is [CalledByAttribute marked, ..] ? marked : Unmarked;

    private static readonly CalledByAttribute Unmarked = new(Callers.Cms);
}
