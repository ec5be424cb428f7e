namespace OrleansCms.Tests.Fuzz;

/// <summary>A grain call on the grain of a (malformed) key, and the key, to look for anything stored under it.</summary>
public sealed record KeyedCall(string Key, Func<IGrainFactory, Task> Call);
