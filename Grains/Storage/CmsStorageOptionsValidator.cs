using Microsoft.Extensions.Options;

namespace OrleansCms.Storage;

/// <summary>Refuses to start without a connection string, saying where one comes from.</summary>
public sealed class CmsStorageOptionsValidator : IValidateOptions<CmsStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, CmsStorageOptions options) =>
        string.IsNullOrWhiteSpace(options.ConnectionString)
            ? ValidateOptionsResult.Fail($"No PostgreSQL connection string: set {CmsStorageOptions.ConnectionStringVariable} or Cms:Storage:ConnectionString.")
            : ValidateOptionsResult.Success;
}
