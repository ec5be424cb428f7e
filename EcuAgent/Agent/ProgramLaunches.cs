using OrleansCms.Programs;

namespace OrleansCms.Agent;

/// <summary>Turns a declared command into a process launch; the word <c>sample</c> names the bundled sample program.</summary>
public static class ProgramLaunches
{
    public const string SampleCommand = "sample";

    public static ProgramLaunch Resolve(IReadOnlyList<string>? command)
    {
        if (command is not { Count: > 0 })
        {
            throw new ArgumentException("the program declares no command.", nameof(command));
        }

        return command[0] == SampleCommand
            ? ProgramLaunch.Sample([.. command.Skip(1)])
            : new ProgramLaunch(command[0], [.. command.Skip(1)]);
    }
}
