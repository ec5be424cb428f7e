namespace OrleansCms.Api;

/// <summary>What one copy of a program is doing now, from its catalogue entry and its ECU's status.</summary>
public enum ProgramCopyState
{
    /// <summary>Active on an alive ECU: the copy that runs.</summary>
    Running = 0,

    /// <summary>Active on an ECU that failed (or came back fenced): gone, and not yet replaced by a running copy.</summary>
    Lost = 1,

    /// <summary>Exited unexpectedly; a restoration takes it over.</summary>
    Crashed = 2,

    /// <summary>Stopped on purpose (operator, migration source, or a start that failed).</summary>
    Stopped = 3,

    /// <summary>Replaced by a copy restored elsewhere.</summary>
    Retired = 4,

    /// <summary>Left behind when its ECU was retired or rejoined as a fresh ECU.</summary>
    Abandoned = 5,
}
