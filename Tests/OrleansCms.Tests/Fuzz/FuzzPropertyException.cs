namespace OrleansCms.Tests.Fuzz;

/// <summary>A fuzz property found a case that violates it; the message says which, and how to replay it.</summary>
public sealed class FuzzPropertyException(string message, Exception inner) : Exception(message, inner);
