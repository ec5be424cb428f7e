namespace OrleansCms.Launcher.Fleet;

/// <summary>The three loopback ports of one silo.</summary>
public sealed record SiloPorts(int Silo, int Gateway, int Http);
