namespace OrleansCms.Security;

/// <summary>Who, besides the CMS's own silos, may call the methods of a grain interface.</summary>
[Flags]
public enum Callers
{
    /// <summary>Only the silos (the default of an interface without <see cref="CalledByAttribute"/>, and operators).</summary>
    Cms = 0,

    /// <summary>An ECU's agent, on grains of its own MAC (or of the checkpoint a restore command granted it).</summary>
    Ecu = 1,

    /// <summary>An operator's client.</summary>
    Operator = 2,

    /// <summary>Anyone who reaches a gateway (only opening a session).</summary>
    Anyone = 4,
}

/// <summary>
/// Marks a grain interface with the callers from outside the CMS that may use it. The silos' authorization filter
/// reads it: an agent may call only interfaces marked <see cref="Callers.Ecu"/>, operators every interface not
/// reserved to ECUs, and the CMS's silos everything.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class CalledByAttribute(Callers callers) : Attribute
{
    public Callers Callers { get; } = callers;

    /// <summary>
    /// The ECU may call it on another ECU's grain when the call's first argument is a <see cref="ReadGrant"/> that the
    /// CMS issued to it for that grain (reading the checkpoint a restore command handed it).
    /// </summary>
    public bool ByGrant { get; init; }
}
