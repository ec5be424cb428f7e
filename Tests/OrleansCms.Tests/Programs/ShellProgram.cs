using OrleansCms.Programs;

namespace OrleansCms.Tests.Programs;

/// <summary>Misbehaving programs written as tiny POSIX shell scripts.</summary>
internal static class ShellProgram
{
    /// <summary>Reads START and answers READY; the protocol's happy path up to the first CHECKPOINT.</summary>
    public const string Ready = "read line; printf 'READY\\n'; ";

    /// <summary>Ready, then reads the first CHECKPOINT request.</summary>
    public const string ReadyThenCheckpoint = Ready + "read line; ";

    public static ProgramLaunch Script(string script) => new("/bin/sh", ["-c", script]);
}
