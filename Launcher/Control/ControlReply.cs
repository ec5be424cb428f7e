namespace OrleansCms.Launcher.Control;

/// <summary>The launcher's answer to one control command: whether it was carried out, and what to tell the user.</summary>
public sealed record ControlReply(bool Ok, string Text)
{
    public static ControlReply Done(string text) => new(true, text);

    public static ControlReply Refused(string text) => new(false, text);
}
