namespace OrleansCms.Schema;

/// <summary>A start-up failure with a message meant for the operator, printed without a stack trace.</summary>
public sealed class CmsStartupException(string message, Exception? inner = null) : Exception(message, inner);
