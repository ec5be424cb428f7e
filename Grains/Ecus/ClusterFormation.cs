namespace OrleansCms.Ecus;

/// <summary>
/// When the CMS running now came up: the start of the oldest active silo. A silo's generation counts seconds from
/// one fixed epoch, so the difference to this silo's own generation dates the oldest one. After every silo
/// restarted (the CMS itself was down) it is recent; while any old silo runs, it is old.
/// </summary>
/// <param name="membership">The silos of the cluster.</param>
/// <param name="local">This silo (its generation).</param>
/// <param name="thisSiloStarted">When this silo was built, close to when its generation was allocated.</param>
public sealed class ClusterFormation(IClusterMembershipService membership, ILocalSiloDetails local, DateTimeOffset thisSiloStarted)
{
    public DateTimeOffset FormedAt()
    {
        var own = local.SiloAddress.Generation;
        var oldest = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.Generation)
            .Append(own)
            .Min();
        return thisSiloStarted - TimeSpan.FromSeconds(own - oldest);
    }
}
