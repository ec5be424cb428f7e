using System.Diagnostics;
using OrleansCms.Tests.Fixtures;
using OrleansCms.Tests.Programs;

namespace OrleansCms.Tests.Fencing;

/// <summary>
/// A program must not outlive its agent unsupervised: the CMS restores it elsewhere once the agent's lease lapses,
/// so a copy left running would be a second one. The kernel kills it with the agent (parent-death signal).
/// </summary>
[Trait("Speed", "Process")]
[Collection(ProcessCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OrphanTests
{
    [Fact]
    public async Task AgentKilledAlone_AProgramThatIgnoresEndOfInputDiesWithIt()
    {
        var folder = Directory.CreateTempSubdirectory("cms-orphan-");
        try
        {
            // Answers READY, then sleeps on without reading stdin: the protocol's EOF rule cannot reach it.
            var script = Path.Combine(folder.FullName, "deaf.sh");
            await File.WriteAllTextAsync(script, "#!/bin/sh\nread line\nprintf 'READY\\n'\nexec sleep 600\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            await using var cms = await CmsProcesses.StartAsync(silos: 1);
            var agent = await cms.StartAgentAsync("02:00:00:00:0d:01", 512, [$"name=deaf,ram-mb=8,interval-ms=60000,cmd={script}"], waitForPrograms: true);
            var program = Assert.Single(await Eventually.ReturnsAsync(() => Task.FromResult(agent.ChildPids()), pids => pids.Count == 1,
                FleetProbe.Patience, "the program runs"));
            Assert.True(ProcessLiveness.IsRunning(program));

            using (var agentProcess = Process.GetProcessById(agent.Process.Id))
            {
                agentProcess.Kill(entireProcessTree: false); // SIGKILL to the agent alone
            }

            await ProcessLiveness.AssertGoneAsync(program, TimeSpan.FromSeconds(5));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
