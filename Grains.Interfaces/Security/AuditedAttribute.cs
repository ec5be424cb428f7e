namespace OrleansCms.Security;

/// <summary>
/// An operation whose every call by an operator (a client with an <c>operator:NAME</c> session) is recorded in
/// the audit log, as the HTTP API's actions are: who, which operation on which grain, and how it ended.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AuditedAttribute(string action) : Attribute
{
    public string Action { get; } = action;
}
