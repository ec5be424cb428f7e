using Microsoft.Extensions.Options;
using OrleansCms.Storage;

namespace OrleansCms.Standby;

/// <summary>The silo's budget of standby bytes in flight (<see cref="StandbyOptions.MaxInFlightBytes"/>), apart from ingest's.</summary>
public sealed class StandbyBudget(IOptions<StandbyOptions> options)
{
    public IngestBudget Bytes { get; } = new(Options.Create(new IngestOptions { MaxInFlightBytes = options.Value.MaxInFlightBytes }));
}
