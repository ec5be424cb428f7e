using System.CommandLine;
using System.Security.Cryptography;
using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Launcher.Cli;

/// <summary><c>certs FOLDER IDENTITY...</c>: a fleet CA in a folder and certificates it signs, for a trial or a lab.</summary>
public static class CertsCommand
{
    public static Command Build()
    {
        var folder = new Argument<string>("FOLDER") { Description = "Where the CA (ca.pem, ca.key) is kept or made, and the certificates go." };
        var members = new Argument<string[]>("IDENTITY") { Arity = ArgumentArity.OneOrMore, Description = "silo:NAME, ecu:MAC or operator:NAME" };
        var certs = new Command("certs", "Make a fleet CA (once) and a certificate for each identity; certificates that exist and name it are kept.") { folder, members };
        certs.SetAction(async (result, _) =>
        {
            var identities = new List<FleetIdentity>();
            foreach (var text in result.GetValue(members)!)
            {
                if (!FleetIdentity.TryParse(text, out var identity))
                {
                    await Console.Error.WriteLineAsync($"cms certs: '{text}' is not silo:NAME, ecu:MAC or operator:NAME.");
                    return 2;
                }

                identities.Add(identity);
            }

            var files = new FleetTlsFiles(Path.GetFullPath(result.GetValue(folder)!));
            try
            {
                files.Ensure(identities);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                await Console.Error.WriteLineAsync($"cms certs: could not make certificates in {files.Folder}: {e.Message}");
                return 1;
            }

            await Console.Out.WriteLineAsync($"CA {files.Ca}");
            foreach (var identity in identities)
            {
                await Console.Out.WriteLineAsync($"{identity} {files.Certificate(identity)} {files.Key(identity)}");
            }

            return 0;
        });
        return certs;
    }
}
