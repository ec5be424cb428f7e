namespace OrleansCms.Restoration;

/// <summary>An agent's ECU stopped being alive while a restoration waited for the agent's answer.</summary>
public sealed class EcuNotAliveException(string message) : Exception(message);
