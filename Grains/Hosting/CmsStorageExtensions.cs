using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansCms.Storage;

namespace OrleansCms.Hosting;

/// <summary>The one registration of <see cref="CmsStorageOptions"/>, shared by the grains and the persistence providers.</summary>
public static class CmsStorageExtensions
{
    /// <summary>
    /// Binds <see cref="CmsStorageOptions"/> from <c>Cms:Storage</c> (the connection string falling back to
    /// <c>CMS_POSTGRES</c>) and validates it at start-up. Idempotent: both <c>AddCmsGrains</c> and
    /// <c>AddCmsPersistence</c> need it, and a second registration would report every failure twice.
    /// </summary>
    public static IServiceCollection AddCmsStorageOptions(this IServiceCollection services)
    {
        if (services.Any(s => s.ServiceType == typeof(IValidateOptions<CmsStorageOptions>)))
        {
            return services;
        }

        services.AddOptions<CmsStorageOptions>()
            .BindConfiguration(CmsStorageOptions.Section)
            .PostConfigure(o => o.UseEnvironmentFallback())
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Logged with the silo's other options at start, the connection string [Redact]ed.
        return services.ConfigureFormatter<CmsStorageOptions>();
    }
}
