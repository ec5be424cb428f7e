namespace OrleansCms.Restoration;

/// <summary>
/// One restoration (of a failed ECU, keyed <c>failure:{mac}:{epoch}</c>), crash restoration or migration. It
/// claims each program's checkpoint, places it, has the target agent start it and records the lineage; its
/// progress is persisted, so after its silo dies another activation resumes and repeats nothing.
/// </summary>
[Alias("OrleansCms.IRestorationGrain")]
public interface IRestorationGrain : IGrainWithStringKey
{
    /// <summary>Starts the work; idempotent (a second start of the same id changes nothing).</summary>
    [Alias("Start")]
    Task StartAsync(RestorationRequest request);

    /// <summary>Where the restoration stands (and, by activating it, resumes it); null before it started.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<RestorationView?> GetAsync();
}

/// <summary>Keeps the latest restorations for <c>GET /api/restorations</c> (key 0).</summary>
[Alias("OrleansCms.IRestorationLogGrain")]
public interface IRestorationLogGrain : IGrainWithIntegerKey
{
    /// <summary>Records the current view of a restoration (replacing the previous one of the same id).</summary>
    [Alias("Record"), Orleans.Concurrency.OneWay]
    Task RecordAsync(RestorationView view);

    /// <summary>Activates every unfinished restoration (after a silo died, so that those it hosted resume now).</summary>
    [Alias("ResumeUnfinished")]
    Task ResumeUnfinishedAsync();

    /// <summary>The restorations, newest first.</summary>
    [Alias("List"), Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<RestorationView>> ListAsync();
}
