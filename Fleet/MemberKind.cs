namespace OrleansCms.Fleet;

/// <summary>What a process of the fleet is.</summary>
public enum MemberKind
{
    /// <summary>A CMS silo: cluster member, gateway, HTTP API and dashboard.</summary>
    Silo,

    /// <summary>An ECU agent with its programs.</summary>
    Agent,
}
