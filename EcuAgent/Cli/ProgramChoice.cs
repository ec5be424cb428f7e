using OrleansCms.Ecus;

namespace OrleansCms.Cli;

/// <summary>
/// The program <c>migrate</c> moves: <c>--program-id N</c> or <c>--program NAME</c> (exactly one), resolved against
/// what the ECU runs now. Names outlive IDs: a recreated CMS database numbers an ECU's programs afresh.
/// </summary>
public sealed record ProgramChoice(int? Id, string? Name)
{
    /// <summary>A <see cref="FormatException"/> unless exactly one of the two options was given.</summary>
    public void Validate()
    {
        if (Id.HasValue && Name is not null)
        {
            throw new FormatException("give --program NAME or --program-id N, not both.");
        }

        if (!Id.HasValue && string.IsNullOrWhiteSpace(Name))
        {
            throw new FormatException("name the program to migrate: --program NAME (as the ECU runs it) or --program-id N (its ID on the ECU).");
        }
    }

    /// <summary>The ID of the chosen program; a <see cref="FormatException"/> that says what the ECU runs when none (or several) match.</summary>
    public int Resolve(EcuView ecu)
    {
        if (ecu.Status != EcuStatus.Alive)
        {
            throw new FormatException(ecu.Status == EcuStatus.Unknown
                ? $"no ECU {ecu.Mac} has registered with this CMS; check --mac (default: this host's MAC), --cms and --cluster-id."
                : $"ECU {ecu.Mac} is {ecu.Status}; only the programs of an alive ECU migrate.");
        }

        var active = ecu.Catalogue.Where(p => p.Status == ProgramEntryStatus.Active).OrderBy(p => p.ProgramId).ToList();
        var runs = active.Count == 0
            ? "it runs no program now"
            : $"it runs {string.Join(", ", active.Select(p => $"'{p.Program.Name}' (ID {p.ProgramId})"))}";
        if (Id is { } id)
        {
            return active.Any(p => p.ProgramId == id)
                ? id
                : throw new FormatException($"ECU {ecu.Mac} runs no program with ID {id}; {runs}. Pass one of them to --program NAME or --program-id N.");
        }

        var named = active.Where(p => p.Program.Name == Name).ToList();
        return named switch
        {
            [var only] => only.ProgramId,
            [] => throw new FormatException($"ECU {ecu.Mac} runs no program named '{Name}'; {runs}. Pass one of them to --program NAME or --program-id N."),
            _ => throw new FormatException(
                $"ECU {ecu.Mac} runs {named.Count} programs named '{Name}' (IDs {string.Join(", ", named.Select(p => p.ProgramId))}); choose one with --program-id N."),
        };
    }
}
