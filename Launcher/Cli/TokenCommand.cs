using System.CommandLine;
using System.Security.Cryptography;
using OrleansCms.Fleet;
using OrleansCms.Security;

namespace OrleansCms.Launcher.Cli;

/// <summary><c>token [--role R] [--hours N] [--as NAME]</c>: prints a bearer token of the HTTP API, signed with an operator's certificate.</summary>
public static class TokenCommand
{
    public static Command Build(Option<string> home)
    {
        var role = new Option<string>("--role") { Description = "operator (may act) or reader (only sees).", DefaultValueFactory = _ => OperatorTokens.Operator };
        var hours = new Option<double>("--hours") { Description = $"How long the token lasts, at most {OperatorTokens.MaxLifetime.TotalHours:0} hours.", DefaultValueFactory = _ => 12 };
        var name = new Option<string?>("--as") { Description = $"The operator it names (default {FleetLayout.Operator.Name}); its certificate is made in the fleet's folder when missing." };
        var token = new Command("token", "Print an API token (for curl's Authorization: Bearer header or the dashboard's sign-in) signed with an operator's certificate of this fleet.")
        {
            home, role, hours, name,
        };
        token.SetAction(async (result, _) =>
        {
            FleetIdentity member;
            try
            {
                member = result.GetValue(name) is { } named ? FleetIdentity.Operator(named) : FleetLayout.Operator;
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"cms token: {e.Message}");
                return 2;
            }

            var files = new FleetTlsFiles(Path.Combine(Path.GetFullPath(result.GetValue(home)!), "certs"));
            if (!File.Exists(files.Ca))
            {
                await Console.Error.WriteLineAsync($"cms token: no fleet CA in {files.Folder}; ./cms up makes it (a --plain fleet asks for no token).");
                return 1;
            }

            try
            {
                files.Ensure([member]);
                await Console.Out.WriteLineAsync(files.Token(member, result.GetValue(role)!, TimeSpan.FromHours(result.GetValue(hours))));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                await Console.Error.WriteLineAsync($"cms token: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"cms token: could not sign a token with {files.Certificate(member)}: {e.Message}");
                return 1;
            }
        });
        return token;
    }
}
