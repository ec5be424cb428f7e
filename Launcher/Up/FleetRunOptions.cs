namespace OrleansCms.Launcher.Up;

/// <summary>How a fleet run is set up.</summary>
public sealed record FleetRunOptions
{
    /// <summary>The run's folder (<c>.cms</c>): <c>run/</c> holds its control socket and process table, <c>logs/</c> one log per process.</summary>
    public required string Home { get; init; }

    /// <summary>The Npgsql connection string the silos use (their runtime role).</summary>
    public required string PostgresConnectionString { get; init; }

    /// <summary>The schema owner's connection string the silos apply the schema with; null: they apply it as their own role.</summary>
    public string? PostgresSchemaConnectionString { get; init; }

    /// <summary>How often the status line is printed.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a silo may take to answer its health check.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a process may take to stop after SIGTERM before it is killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(20);

    public string RunFolder => Path.Combine(Home, "run");

    public string LogFolder => Path.Combine(Home, "logs");

    public string ControlSocket => Path.Combine(RunFolder, "control.sock");
}
