using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansCms.Api;

/// <summary>Healthy only while this silo is an active member of the cluster.</summary>
public sealed class SiloActiveHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo is active")
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
