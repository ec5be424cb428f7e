using OrleansCms.Fleet;
using OrleansCms.Programs;
using OrleansCms.Tests.Ingest;
using static OrleansCms.Tests.Programs.ShellProgram;

namespace OrleansCms.Tests.Programs;

/// <summary>The example program of docs/program-protocol.md really speaks the protocol.</summary>
public class ProtocolDocumentTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ShellExample_StartCheckpointStop_AnswersHelloAndExitsZero()
    {
        await using var program = await StartAsync(restoreState: null);

        Assert.Equal("hello"u8.ToArray(), await program.CheckpointAsync());
        Assert.Equal("hello"u8.ToArray(), await program.CheckpointAsync());
        await program.StopAsync();
        Assert.Equal(new ProgramExit(0, null, RequestedByAgent: true), await program.Exited.WaitAsync(Deadline));
    }

    [Fact]
    public async Task ShellExample_RestoreAnyBytes_ReturnsThemUnchanged()
    {
        var state = Enumerable.Range(0, 3 * 256).Select(i => (byte)i).ToArray();
        await using var program = await StartAsync(state);

        Assert.Equal(state, await program.CheckpointAsync());
    }

    private static Task<ProgramProcess> StartAsync(byte[]? restoreState) =>
        ProgramProcess.StartAsync(Script(ShellExample()), restoreState, new ProgramProtocolOptions(), new ListLogger<ProgramProcess>());

    /// <summary>The document's only <c>```sh</c> block.</summary>
    private static string ShellExample()
    {
        var document = File.ReadAllText(Path.Combine(ProductPaths.Checkout.Root, "docs", "program-protocol.md"));
        var start = document.IndexOf("```sh\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/program-protocol.md has no ```sh block");
        start += "```sh\n".Length;
        return document[start..document.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
