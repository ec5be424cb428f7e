namespace OrleansCms.Security;

/// <summary>A call its caller may not make: refused before the grain runs it, so it changed nothing.</summary>
[GenerateSerializer, Alias("OrleansCms.AccessDeniedException")]
public sealed class AccessDeniedException(string message) : Exception(message);
