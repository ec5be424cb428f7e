using OrleansCms.Security;

namespace OrleansCms.Ecus;

/// <summary>What the ECU itself and operators may both do with an ECU's grain: see it, and ask to move a program.</summary>
[CalledBy(Callers.Ecu | Callers.Operator), Alias("OrleansCms.IEcuSharedGrain")]
public interface IEcuSharedGrain : IGrainWithStringKey
{
    /// <summary>Asks to move a program to another ECU (the best one, or <paramref name="targetMac"/>); returns the migration's id.</summary>
    [Alias("RequestMigration"), Audited("migrate")]
    Task<string> RequestMigrationAsync(int programId, string? targetMac);

    /// <summary>The ECU as the CMS sees it now.</summary>
    [Alias("Get"), Orleans.Concurrency.AlwaysInterleave]
    Task<EcuView> GetAsync();
}
