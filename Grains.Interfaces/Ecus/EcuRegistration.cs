namespace OrleansCms.Ecus;

/// <summary>What an agent tells the CMS about its ECU when it (re)connects.</summary>
[GenerateSerializer, Immutable, Alias("OrleansCms.EcuRegistration")]
public sealed record EcuRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] long RamBytes,
    [property: Id(2)] int CpuCores,
    [property: Id(3)] bool BesideCmsSilo = false);
