namespace OrleansCms.Ecus;

/// <summary>
/// The ECU is not alive (declared failed, fenced or retired), so its catalogue takes no new program. An agent
/// keeps such a program for after it has rejoined; it must not start it now.
/// </summary>
[GenerateSerializer, Alias("OrleansCms.ProgramNotRegisteredException")]
public sealed class ProgramNotRegisteredException : Exception
{
    public ProgramNotRegisteredException(EcuStatus status, string message) : base(message) => Status = status;

    /// <summary>The ECU's status when the program was refused.</summary>
    [Id(0)]
    public EcuStatus Status { get; }
}
