using System.Runtime.InteropServices;

namespace OrleansCms.Launcher.Fleet;

/// <summary>POSIX signals to a process id (.NET's Process.Kill sends only SIGKILL).</summary>
public static partial class Signals
{
    public const int Terminate = 15;

    public const int Interrupt = 2;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when no such process exists.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

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
