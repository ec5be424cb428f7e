namespace OrleansCms.Ecus;

/// <summary>Where an ECU stands, as the CMS sees it.</summary>
public enum EcuStatus
{
    /// <summary>Never registered.</summary>
    Unknown = 0,

    /// <summary>Heartbeats arrive within the lease.</summary>
    Alive = 1,

    /// <summary>Declared failed (lease expired, or by an external monitor); its programs are restored elsewhere.</summary>
    Failed = 2,

    /// <summary>Came back after it was declared failed and was told to stop its old programs.</summary>
    Fenced = 3,

    /// <summary>Taken out of the fleet on purpose.</summary>
    Retired = 4,
}
