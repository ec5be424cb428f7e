using System.CommandLine;
using OrleansCms.Launcher.Cli;

// Ctrl+C and SIGTERM are handled by ./cms up itself: stopping a fleet takes longer than System.CommandLine's 2 s.
return await LauncherCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
