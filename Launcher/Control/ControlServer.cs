using System.Net.Sockets;

namespace OrleansCms.Launcher.Control;

/// <summary>
/// The running launcher's control channel: a Unix domain socket in the run's folder, so that <c>./cms ps</c>,
/// <c>kill</c> and <c>start</c> act on this run only. One command per connection: a line of words in, then
/// <c>ok</c> or <c>error</c> on the first line of the answer and the text for the user after it.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly string _path;
    private readonly Func<IReadOnlyList<string>, Task<ControlReply>> _handle;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private ControlServer(string path, Func<IReadOnlyList<string>, Task<ControlReply>> handle)
    {
        _path = path;
        _handle = handle;
    }

    /// <summary>Listens on <paramref name="path"/>; fails when another launcher already answers there.</summary>
    public static async Task<ControlServer> StartAsync(string path, Func<IReadOnlyList<string>, Task<ControlReply>> handle)
    {
        if (File.Exists(path))
        {
            if (await ControlClient.IsAnsweringAsync(path))
            {
                throw new InvalidOperationException(
                    $"another ./cms up already runs from {Path.GetDirectoryName(Path.GetDirectoryName(path))}; stop it first (Ctrl+C), or give this one its own CMS_HOME and CMS_PORT_OFFSET.");
            }

            File.Delete(path); // left behind by a launcher that was killed
        }

        var server = new ControlServer(path, handle);
        server._listener.Bind(new UnixDomainSocketEndPoint(path));
        server._listener.Listen(8);
        server._loop = server.AcceptLoopAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        if (_loop is not null)
        {
            await _loop;
        }

        File.Delete(_path);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = AnswerAsync(connection);
        }
    }

    private async Task AnswerAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                await using var stream = new NetworkStream(connection);
                using var reader = new StreamReader(stream);
                await using var writer = new StreamWriter(stream) { NewLine = "\n" };
                var line = await reader.ReadLineAsync(_stop.Token) ?? "";
                ControlReply reply;
                try
                {
                    reply = await _handle(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                }
                catch (Exception e) when (e is InvalidOperationException or IOException)
                {
                    reply = ControlReply.Refused(e.Message);
                }

                await writer.WriteLineAsync(reply.Ok ? "ok" : "error");
                await writer.WriteAsync(reply.Text);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The client went away or the launcher is stopping: nobody is left to answer.
            }
        }
    }
}
