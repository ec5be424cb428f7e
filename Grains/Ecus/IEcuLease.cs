namespace OrleansCms.Ecus;

/// <summary>The lease timer's verdict, sent by an ECU grain to itself (see <see cref="EcuGrain"/>); not for clients.</summary>
[Alias("OrleansCms.IEcuLease")]
public interface IEcuLease : IGrainWithStringKey
{
    /// <summary>Declares the ECU failed unless a heartbeat was taken after <paramref name="lastHeartbeat"/>.</summary>
    [Alias("ExpireLease")]
    Task ExpireLeaseAsync(DateTimeOffset lastHeartbeat);
}
