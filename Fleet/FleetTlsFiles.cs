using System.Diagnostics;

namespace OrleansCms.Fleet;

/// <summary>
/// The fleet CA and one certificate per member in a folder (<c>ca.pem</c>, <c>NAME.pem</c>, <c>NAME.key</c>), made by
/// <c>scripts/fleet-certs.sh</c> (openssl), and the arguments that give them to a silo or an agent: mutual TLS on
/// every Orleans connection of a fleet run.
/// </summary>
public sealed record FleetTlsFiles(string Folder)
{
    public string Ca => Path.Combine(Folder, "ca.pem");

    /// <summary>The settings that make a silo require mutual TLS with its certificate.</summary>
    public IReadOnlyList<string> SiloSettings(string name) =>
        [$"--Cms:Tls:CertificatePath={Certificate(name)}", $"--Cms:Tls:KeyPath={Key(name)}", $"--Cms:Tls:CaPath={Ca}"];

    /// <summary>The options that make an agent (or its migrate command) connect over mutual TLS as <paramref name="name"/>.</summary>
    public IReadOnlyList<string> AgentOptions(string name) => ["--tls-cert", Certificate(name), "--tls-key", Key(name), "--tls-ca", Ca];

    /// <summary>
    /// Makes the CA and the certificates that are missing: a silo certificate for each of <paramref name="silos"/>,
    /// a client one for each of <paramref name="clients"/> (ECUs and the like); throws the script's error.
    /// </summary>
    public async Task EnsureAsync(ProductPaths paths, IEnumerable<string> silos, IEnumerable<string> clients)
    {
        // Without the CA every certificate is issued again: ones signed by a lost CA would be refused.
        var missing = silos.Select(name => (Name: name, Spec: $"silo:{name}")).Concat(clients.Select(name => (Name: name, Spec: name)))
            .Where(member => !File.Exists(Ca) || !File.Exists(Certificate(member.Name)) || !File.Exists(Key(member.Name)))
            .Select(member => member.Spec)
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var start = new ProcessStartInfo("/bin/bash", [Path.Combine(paths.Root, "scripts", "fleet-certs.sh"), Folder, .. missing])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true, // the files it made, one per line: nothing to show
            RedirectStandardError = true,
        };
        using var script = Process.Start(start)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var error = await script.StandardError.ReadToEndAsync();
        await output;
        await script.WaitForExitAsync();
        if (script.ExitCode != 0)
        {
            throw new InvalidOperationException($"could not make the fleet's TLS certificates in {Folder}: {error.Trim()}");
        }
    }

    public string Certificate(string name) => Path.Combine(Folder, $"{name}.pem");

    public string Key(string name) => Path.Combine(Folder, $"{name}.key");
}
