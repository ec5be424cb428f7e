using OrleansCms.SampleProgram;

// A sample protected program speaking docs/program-protocol.md: stdin/stdout carry only the protocol,
// stderr is free-form log text. Exit codes: 0 stopped, 2 bad options, 3 bad restore state, 4 protocol error.
SampleOptions options;
try
{
    options = SampleOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"sample: {e.Message}");
    Console.Error.Write(SampleOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.Out.Write(SampleOptions.Usage);
    return 0;
}

using var input = Console.OpenStandardInput();
using var output = Console.OpenStandardOutput();
return SampleRunner.Run(options, input, output, Console.Error);
