using System.Runtime.InteropServices;

namespace OrleansCms.Fleet;

/// <summary>POSIX signals to a process id (.NET's Process.Kill sends only SIGKILL).</summary>
public static partial class Signals
{
    public const int Interrupt = 2;

    public const int Terminate = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when no such process exists.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>The Linux number of a signal named as <c>kill -NAME</c> takes it: INT, KILL, TERM, CONT or STOP.</summary>
    public static int Number(string name) => name switch
    {
        "INT" => Interrupt,
        "KILL" => 9,
        "TERM" => Terminate,
        "CONT" => 18,
        "STOP" => 19,
        _ => throw new ArgumentException($"no signal called {name} here; use INT, KILL, TERM, CONT or STOP.", nameof(name)),
    };

    /// <summary>
    /// Gives <paramref name="signal"/> its default action again. A shell starts background commands with SIGINT
    /// ignored, and .NET leaves an ignored SIGINT ignored; a fleet started that way must still stop on an interrupt.
    /// </summary>
    public static void Unignore(int signal) => SetHandler(signal, 0);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetHandler(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
