namespace OrleansCms.Tests.Fixtures;

/// <summary>A grain whose only job is to persist a value through the CMS storage provider.</summary>
[Alias("OrleansCms.Tests.IProbeStateGrain")]
public interface IProbeStateGrain : IGrainWithStringKey
{
    [Alias("Set")]
    Task SetAsync(string value);

    [Alias("Get")]
    Task<string?> GetAsync();

    /// <summary>The address of the silo this activation lives on.</summary>
    [Alias("Where")]
    Task<string> WhereAsync();
}

[GenerateSerializer, Alias("OrleansCms.Tests.ProbeState")]
public sealed class ProbeState
{
    [Id(0)]
    public string? Value { get; set; }
}

public sealed class ProbeStateGrain(
    [PersistentState("probe", "cms")] IPersistentState<ProbeState> state,
    ILocalSiloDetails silo) : Grain, IProbeStateGrain
{
    public async Task SetAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> GetAsync() => Task.FromResult(state.State.Value);

    public Task<string> WhereAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
