using System.Net.Sockets;

namespace OrleansCms.Launcher.Control;

/// <summary>Sends one command to the launcher that runs from a folder (see <see cref="ControlServer"/>).</summary>
public static class ControlClient
{
    /// <summary>The launcher's answer, or a refusal saying that none runs there.</summary>
    public static async Task<ControlReply> SendAsync(string path, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            return ControlReply.Refused($"no ./cms up is running from {Path.GetDirectoryName(Path.GetDirectoryName(path))}; start the fleet with ./cms up first.");
        }

        await using var stream = new NetworkStream(socket);
        await using (var writer = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" })
        {
            await writer.WriteLineAsync(command);
        }

        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync();
        var text = await reader.ReadToEndAsync();
        return status == "ok" ? ControlReply.Done(text) : ControlReply.Refused(status is null ? "the launcher closed the connection without an answer" : text);
    }

    /// <summary>Whether a launcher answers on <paramref name="path"/>.</summary>
    public static async Task<bool> IsAnsweringAsync(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
